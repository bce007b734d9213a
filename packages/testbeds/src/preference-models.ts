import { sigmoid, type Rng } from "@gsh/core";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * How a reward gap Δ = r(a¹) − r(a²) becomes a label. BT is the model every estimator assumes; the others are
 * there to test robustness to a wrong model.
 */
export type PreferenceModel =
  | { readonly kind: "bradley-terry" }
  | { readonly kind: "probit" }
  | { readonly kind: "label-noise"; readonly flip: number }
  | { readonly kind: "deterministic" };

export const BRADLEY_TERRY: PreferenceModel = { kind: "bradley-terry" };

/** Standard normal CDF Φ(z) = erfc(−z/√2)/2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  // The Chebyshev-fitted erfc of Numerical Recipes (erfcc): fractional error below 1.2e-7 everywhere, ample for
  // drawing labels.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(a¹ ≻ a²) as a function of the reward gap Δ. */
export function preferenceProbability(model: PreferenceModel, gap: number): number {
  switch (model.kind) {
    case "bradley-terry":
      return sigmoid(gap);
    case "probit":
      return normalCdf(gap);
    case "label-noise": {
      const p = sigmoid(gap);
      return (1 - model.flip) * p + model.flip * (1 - p);
    }
    case "deterministic":
      return gap > 0 ? 1 : gap < 0 ? 0 : 0.5;
  }
}

/** One label: 1 when a¹ wins. */
export function drawLabel(model: PreferenceModel, gap: number, rng: Rng): 0 | 1 {
  return rng.uniform() < preferenceProbability(model, gap) ? 1 : 0;
}
