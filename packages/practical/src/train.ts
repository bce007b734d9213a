import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, getOrThrow } from "@gsh/core";
import { type LossSpec, validateLoss } from "./losses";
import { type OptimizeOptions, type OptimizeResult, adam, lbfgs } from "./optimizers";
import type { PairBatch } from "./pairs-data";
import { type TrainablePolicy, type TrainingMetrics, trainingMetrics } from "./policies";

export interface TrainOptions extends Omit<OptimizeOptions, "onStep"> {
  readonly loss: LossSpec;
  /** DPO's β, i.e. the KL coefficient η (defaults to the problem's η). */
  readonly eta?: number;
  /** Ridge (l2/2)‖params‖² added to the summed pair losses (default 1, the MLE's λ). */
  readonly l2?: number;
  /** "lbfgs" (default for smooth losses) or "adam" (default when a hinge loss is in the list). */
  readonly optimizer?: "lbfgs" | "adam";
  /** A moving reference instead of π0 (iterative DPO's option); h is then measured against it. */
  readonly reference?: Policy;
  /**
   * Records the training path: called with the policy at step 0 (before training) and after every accepted
   * optimizer step for which `checkpoint(step)` holds (the policy holds that step's parameters during the call).
   */
  readonly onCheckpoint?: {
    readonly checkpoint: (step: number) => boolean;
    /** `loss`: the training objective (summed pair losses + ridge) at that step; NaN at step 0. */
    readonly record: (step: number, policy: TrainablePolicy, loss: number) => void;
  };
}

/** Checkpoints at steps 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, … (every ~√2×): a training path in ~2·log₂(steps) points. */
export const geometricCheckpoints = (step: number): boolean => {
  const k = Math.round(2 * Math.log2(step));
  return step === Math.round(Math.pow(2, k / 2));
};

export interface TrainResult extends Omit<OptimizeResult, "params"> {
  readonly metrics: TrainingMetrics;
  /** Pairs with chosen = rejected that were refused before training. */
  readonly degeneratePairs: number;
}

/**
 * Fits a trainable policy to preference pairs by minimizing Σ ℓ + (l2/2)‖params‖² from its current parameters
 * (a warm start). Refuses η ≤ 0 and invalid losses with a typed error.
 */
export function trainPolicy(
  policy: TrainablePolicy,
  pairs: PairBatch,
  options: TrainOptions,
): E.Either<GshError, TrainResult> {
  const eta = options.eta ?? policy.problem.eta;
  const v = validateLoss(options.loss, eta);
  if (E.isLeft(v)) return v;
  const l2 = options.l2 ?? 1;
  const hinge = options.loss.some((l) => l.loss.kind === "hinge" || l.loss.kind === "hinge-norm");
  const method = options.optimizer ?? (hinge ? "adam" : "lbfgs");
  const f = (p: Float64Array, g: Float64Array) => {
    policy.setParameters(p);
    return policy.objective(pairs, options.loss, eta, l2, g, options.reference);
  };
  const path = options.onCheckpoint;
  path?.record(0, policy, NaN);
  const onStep = path
    ? (step: number, params: Float64Array, value: number) => {
        if (!path.checkpoint(step)) return;
        policy.setParameters(params);
        path.record(step, policy, value);
      }
    : undefined;
  const r = (method === "adam" ? adam : lbfgs)(f, policy.getParameters(), { ...options, onStep });
  policy.setParameters(r.params);
  return E.right({
    value: r.value,
    gradientNorm: r.gradientNorm,
    steps: r.steps,
    converged: r.converged,
    degeneratePairs: pairs.degenerate,
    metrics: trainingMetrics(policy, pairs, eta, options.reference),
  });
}

export const trainPolicyOrThrow = (policy: TrainablePolicy, pairs: PairBatch, options: TrainOptions): TrainResult =>
  getOrThrow(trainPolicy(policy, pairs, options));

/**
 * The pairs a policy trains on: merged duplicates (`PairBatch.aggregated`) for the full-batch f64 policies, whose
 * objectives weight each row, and the raw batch for neural policies, which sample minibatches by row.
 */
export function trainingPairs(policy: TrainablePolicy, pairs: PairBatch): PairBatch {
  return policy.kind === "log-linear" || policy.kind === "tabular" ? pairs.aggregated() : pairs;
}
