import * as E from "fp-ts/lib/Either";
import { type GshError, getOrThrow } from "@gsh/core";
import { type GibbsFamily, fitBradleyTerry } from "@gsh/preference";
import type { ExplorationRule, ExplorationState } from "./exploration";
import { fromSamplers, requireData } from "./rule-helpers";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

export interface OptimisticMleOptions {
  /** Weight α ≥ 0 of the value bonus (α = 0 gives the MLE). */
  readonly alpha: number;
  readonly lambda: number;
  readonly init?: Float64Array;
  /** Convex-concave steps at most (default 2000); stop when ‖θ_{k+1} − θ_k‖∞ < tolerance (default 1e-8). */
  readonly maxSteps?: number;
  readonly tolerance?: number;
}

export interface OptimisticMle {
  readonly theta: Float64Array;
  /** The calibrated value V(θ) at the result (see `calibratedValue`). */
  readonly value: number;
  readonly steps: number;
}

/**
 * The calibrated value of the reward <θ, φ> (VPO, Cen et al. 2024, with π0 as the calibration policy):
 * V(θ) = max_π E_x[E_π r − E_{π0} r − η KL(π‖π0)] = E_x[η log Z_θ(x) − <θ, φ(x, π0)>] ≥ 0, with gradient
 * ∇V(θ) = E_x[φ(x, π_θ) − φ(x, π0)]. Subtracting π0's reward makes V blind to the per-context shift that BT cannot
 * identify. V is convex (a log-sum-exp minus a linear term).
 */
export function calibratedValue(family: GibbsFamily, theta: Float64Array, grad?: Float64Array): number {
  return valueAgainst(family, family.moments(new Float64Array(family.dim)).features, theta, grad);
}

/** V(θ) and ∇V(θ) given π0's features φ(x, π0) (X × d), which do not depend on θ: computed once per solve. */
function valueAgainst(family: GibbsFamily, reference: Float64Array, theta: Float64Array, grad?: Float64Array): number {
  const { contexts: X, dim: d, eta, contextWeights: w } = family;
  const m = family.moments(theta);
  let v = 0;
  if (grad) grad.fill(0);
  for (let x = 0; x < X; x++) {
    let lin = 0;
    for (let k = 0; k < d; k++) {
      lin += theta[k] * reference[x * d + k];
      if (grad) grad[k] += w[x] * (m.features[x * d + k] - reference[x * d + k]);
    }
    v += w[x] * (eta * m.logZ[x] - lin);
  }
  return v;
}

/**
 * VPO's optimistic MLE: θ̃ = argmin_θ ℓ_λ(θ) − α·V(θ), ℓ_λ the penalised BT loss (a sum over the data, as in VPO's
 * Algorithm 1) and V the calibrated value above. The objective is a difference of convex terms, solved by the
 * convex-concave procedure: θ_{k+1} = argmin ℓ_λ(θ) − α<∇V(θ_k), θ>, each step an exact tilted BT fit
 * (`fitBradleyTerry` with `tilt`); the objective decreases at every step and the fixed point satisfies the
 * stationarity condition ∇ℓ_λ(θ̃) = α∇V(θ̃) (tested).
 */
export function optimisticMle(
  family: GibbsFamily,
  Z: Float64Array,
  n: number,
  options: OptimisticMleOptions,
): E.Either<GshError, OptimisticMle> {
  const d = family.dim;
  const maxSteps = options.maxSteps ?? 2000;
  const tol = options.tolerance ?? 1e-8;
  let theta = options.init ?? new Float64Array(d);
  const g = new Float64Array(d);
  const reference = family.moments(new Float64Array(d)).features;
  let value = valueAgainst(family, reference, theta, g);
  for (let step = 1; step <= maxSteps; step++) {
    const tilt = g.map((v) => options.alpha * v);
    const fit = fitBradleyTerry(Z, n, d, { lambda: options.lambda, init: theta, tilt });
    if (E.isLeft(fit)) return fit;
    let change = 0;
    for (let k = 0; k < d; k++) change = Math.max(change, Math.abs(fit.right.theta[k] - theta[k]));
    theta = fit.right.theta;
    value = valueAgainst(family, reference, theta, g);
    if (change < tol) return E.right({ theta, value, steps: step });
  }
  return E.left({
    _tag: "ConvergenceError",
    solver: "optimisticMle",
    iterations: maxSteps,
    message: `the convex-concave steps moved θ by more than ${tol} after ${maxSteps} steps`,
  });
}

/**
 * Value-incentivised optimism (VPO, Cen et al. 2024; SELM, Zhang et al. 2024, is the same objective in DPO form), on
 * finite actions and on sequences (θ̃'s Gibbs policy is a family member, so Markov). VPO's online Algorithm 1 (as we
 * read arXiv 2405.19320) updates the reward by the optimistic MLE, sets π^(t) = argmax_π J(r^(t), π) and samples
 * x ∼ ρ, y₁, y₂ ∼ π^(t)(·|x): both responses from the optimistic policy, this rule's default; π_cal (here π0)
 * enters only the calibrated value. Pairing with π_cal instead is the variant `vpoReferenceRule`. The weight is fixed by a rule, not tuned:
 * α = β, the state's confidence width (√d in the suites, as for the enhancer). The output policy stays the main
 * agent's.
 */
export const vpoRule: ExplorationRule = (s) => {
  const optimistic = s.world.member(vpoTheta(s));
  return fromSamplers(s.world, optimistic, optimistic);
};

/**
 * A VPO variant (not the paper's pairing): the optimistic policy's response paired with one from π_cal = π0, as XPO
 * pairs; with α = β fixed it differs from XPO (`xpoRule`) only in the weight of the value term (β against β·√n).
 */
export const vpoReferenceRule: ExplorationRule = (s) =>
  fromSamplers(s.world, s.world.member(vpoTheta(s)), s.world.reference);

/** θ̃ of VPO's optimistic MLE at α = β on the state's data. */
function vpoTheta<R>(s: ExplorationState<R>): Float64Array {
  const { z, size, lambda } = requireData(s, "VPO");
  return getOrThrow(optimisticMle(s.world.family, z, size, { alpha: s.beta, lambda, init: s.theta })).theta;
}
