import * as E from "fp-ts/lib/Either";
import {
  type Policy,
  type Rng,
  expectedReward,
  formatError,
  gibbsPolicy,
  gibbsValue,
  klToReference,
  suboptimality,
  validatePolicy,
} from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "@gsh/preference";

/** Exact metrics of a policy, computed from the truth at the environment boundary. */
export interface PolicyMetrics {
  /** J(π) = E_x[E_{a~π} r* − η KL(π‖π0)]. */
  readonly objective: number;
  /** J(π*) − J(π) = η·E_x KL(π‖π*). */
  readonly subopt: number;
  /** E_x E_{a~π} r*(x, a). */
  readonly trueReward: number;
  /** E_x KL(π(·|x) ‖ π0(·|x)). */
  readonly klToReference: number;
}

/** The evaluation side of an instance: r*, θ* (when the reward is linear) and the exact optimum. */
export interface Truth {
  /** r*(x, a), X×A. */
  readonly reward: Float64Array;
  /** θ* when r* = <θ*, φ>; null for a misspecified reward. */
  readonly theta: Float64Array | null;
  readonly optimal: Policy;
  /** J(π*) = η·E_x log Z(x). */
  readonly optimalObjective: number;
}

/** A generated instance: the learner's view, the truth and a factory for counted oracles. */
export interface BanditInstance {
  readonly id: string;
  readonly version: number;
  readonly problem: BanditProblem;
  readonly truth: Truth;
  /** A fresh counted oracle whose labels are drawn from `rng`. */
  makeOracle(rng: Rng): PreferenceOracle;
}

export function makeTruth(problem: BanditProblem, reward: Float64Array, theta: Float64Array | null): Truth {
  const { policy, logZ } = gibbsPolicy(problem.reference, reward, problem.eta);
  return { reward, theta, optimal: policy, optimalObjective: gibbsValue(logZ, problem.eta, problem.contextWeights) };
}

/**
 * Scores a policy exactly. Refuses (Left) a policy that is not a valid distribution, so an algorithm that returns
 * garbage is reported as such instead of being scored.
 */
export function evaluatePolicy(instance: BanditInstance, pi: Policy): E.Either<string, PolicyMetrics> {
  const valid = validatePolicy(pi);
  if (E.isLeft(valid)) return E.left(formatError(valid.left));
  const { problem, truth } = instance;
  if (pi.contexts !== problem.contexts || pi.actions !== problem.actions)
    return E.left(`policy is ${pi.contexts}×${pi.actions}, the problem is ${problem.contexts}×${problem.actions}`);
  const w = problem.contextWeights;
  const trueReward = expectedReward(pi, truth.reward, w);
  const kl = klToReference(pi, problem.reference, w);
  return E.right({
    objective: trueReward - problem.eta * kl,
    subopt: suboptimality(pi, problem.reference, truth.reward, problem.eta, w),
    trueReward,
    klToReference: kl,
  });
}
