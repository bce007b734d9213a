import { type Rng, symmetricEigen } from "@gsh/core";
import { type Covariance, type GibbsFamily, contextMean, familyKl } from "@gsh/preference";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

export interface EnhancerOptions {
  /** Random unit directions added to the eigenvectors of Σ⁻¹ (each used with both signs). Default: d. */
  readonly randomDirections?: number;
  /** Largest tilt size c searched (default 100: the constraint can hold for every c). */
  readonly cMax?: number;
  /** Relative precision of the bisection on c (default 1e-4). */
  readonly precision?: number;
}

export interface EnhancerResult {
  /** The enhancer's parameter: π² = π_{θ¹ + c·η·u} = π¹ tilted by exp(c<u, φ>). */
  readonly theta: Float64Array;
  readonly direction: Float64Array;
  readonly c: number;
  /** Γ(π¹, π²) = β‖E_x[φ(x,π¹) − φ(x,π²)]‖_{Σ⁻¹}. */
  readonly gamma: number;
  /** E_x KL(π² ‖ π¹). */
  readonly klToMain: number;
  /** Number of candidate directions searched. */
  readonly candidates: number;
}

/**
 * The enhancer of online GSHF (spec §4): maximize Γ(π¹, π') over π' with η·E_x KL(π'‖π¹) ≤ Γ(π¹, π'). For a fixed
 * direction u the best π' in a KL ball is the exponential tilt π¹·exp(c<u,φ>); the outer search over u is
 * non-convex, so it runs over the eigenvectors of Σ⁻¹ (both signs) plus random directions, with the largest
 * feasible c ∈ [0, c_max] found by bisection, keeping the feasible (u, c) with the largest Γ.
 */
export function enhancer(family: GibbsFamily, thetaMain: Float64Array, cov: Covariance, beta: number, rng: Rng, options: EnhancerOptions = {}): EnhancerResult {
  const d = family.dim;
  const eta = family.eta;
  const cMax = options.cMax ?? 100;
  const precision = options.precision ?? 1e-4;
  const nRandom = options.randomDirections ?? d;
  const main = family.moments(thetaMain);
  const mainMean = contextMean(family, main.features, d);

  const directions: Float64Array[] = [];
  const { vectors } = symmetricEigen(cov.matrix, d);
  for (let k = 0; k < d; k++) directions.push(Float64Array.from({ length: d }, (_, i) => vectors[i * d + k]));
  for (let r = 0; r < nRandom; r++) directions.push(rng.unitSphere(d));

  const evaluate = (u: Float64Array, c: number) => {
    const theta = thetaMain.map((v, k) => v + c * eta * u[k]);
    const m = family.moments(theta);
    const diff = contextMean(family, m.features, d).map((v, k) => mainMean[k] - v);
    const gamma = beta * cov.norm(diff);
    const kl = contextMean(family, familyKl(family, theta, m, thetaMain, main))[0];
    return { theta, gamma, kl, feasible: eta * kl <= gamma };
  };

  let best: EnhancerResult = { theta: Float64Array.from(thetaMain), direction: new Float64Array(d), c: 0, gamma: 0, klToMain: 0, candidates: 2 * directions.length };
  for (const dir of directions) {
    for (const sign of [1, -1]) {
      const u = dir.map((v) => sign * v);
      let e = evaluate(u, cMax);
      let c = cMax;
      if (!e.feasible) {
        let lo = 0;
        let hi = cMax;
        let loEval = { theta: Float64Array.from(thetaMain), gamma: 0, kl: 0, feasible: true };
        while (hi - lo > precision * Math.max(lo, 1e-3)) {
          const mid = 0.5 * (lo + hi);
          const m = evaluate(u, mid);
          if (m.feasible) {
            lo = mid;
            loEval = m;
          } else hi = mid;
        }
        c = lo;
        e = loEval;
      }
      if (e.gamma > best.gamma) best = { theta: e.theta, direction: u, c, gamma: e.gamma, klToMain: e.kl, candidates: 2 * directions.length };
    }
  }
  return best;
}
