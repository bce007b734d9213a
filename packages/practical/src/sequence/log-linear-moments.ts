import {
  type FactoredGibbsPolicy,
  type SequenceProblem,
  bigramReward,
  expectedSequenceFeatures,
  factoredGibbsPolicy,
  gibbsRows,
} from "@gsh/preference";
import { lbfgsWithinSteps } from "../log-prob-objective";
import type { OptimizeResult } from "../optimizers";

/**
 * What the objectives beyond DPO need of the log-linear sequence policy π_w(y|x) ∝ π0(y|x)·e^{<w, φ(x,y)>/η}, by the
 * DP: log π_w(y|x) − log π0(y|x) = <w, φ(x,y)>/η − log Z_w(x), whose gradient in w is (φ(x,y) − E_{π_w(·|x)} φ)/η.
 */
export interface LogLinearSequenceMoments {
  readonly policy: FactoredGibbsPolicy;
  /** log Z_w(x) per prompt. */
  readonly logZ: Float64Array;
  /** E_{π_w(·|x)} φ, X·d. */
  readonly meanFeatures: Float64Array;
}

export function logLinearSequenceMoments(problem: SequenceProblem, w: Float64Array): LogLinearSequenceMoments {
  const policy = factoredGibbsPolicy(problem, bigramReward(problem, w), problem.eta);
  return { policy, logZ: policy.logZ, meanFeatures: expectedSequenceFeatures(problem, gibbsRows(policy)) };
}

/**
 * An objective of the log-linear sequence policy written on its log-ratios: given the moments at w, returns the
 * value and adds ∂L/∂w into `grad` (zeroed by the caller).
 */
export type SequenceObjective = (w: Float64Array, m: LogLinearSequenceMoments, grad: Float64Array) => number;

/** L(w) + (l2/2)‖w‖² and its gradient. */
export function sequenceObjectiveValue(
  problem: SequenceProblem,
  objective: SequenceObjective,
  l2: number,
  w: Float64Array,
  grad: Float64Array,
): number {
  grad.fill(0);
  let value = objective(w, logLinearSequenceMoments(problem, w), grad);
  for (let k = 0; k < w.length; k++) {
    value += 0.5 * l2 * w[k] * w[k];
    grad[k] += l2 * w[k];
  }
  return value;
}

/** Minimises it by `lbfgsWithinSteps` from `init`. */
export function fitSequenceObjective(
  problem: SequenceProblem,
  objective: SequenceObjective,
  l2: number,
  init: Float64Array,
  options: { readonly gradientTolerance?: number; readonly maxStep?: number } = {},
): OptimizeResult {
  return lbfgsWithinSteps((w, g) => sequenceObjectiveValue(problem, objective, l2, w, g), init, {
    gradientTolerance: options.gradientTolerance ?? 1e-8,
    ...(options.maxStep !== undefined ? { maxStep: options.maxStep } : {}),
  });
}
