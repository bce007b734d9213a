import * as E from "fp-ts/lib/Either";
import {
  type GshError,
  type Policy,
  getOrThrow,
  gibbsPolicy,
  invalidArgument,
  linearReward,
  suboptimality,
} from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type SequenceProblem,
  type TrialContext,
  bigramReward,
  factoredGibbsPolicy,
  gibbsMixtureOccupancy,
} from "@gsh/preference";
import { finiteEnvironment } from "../finite";
import { sequenceEnvironment } from "../sequence/sequence-learner";

// Where a policy-gradient run's reward comes from: the true r* (an upper bound on what any reward model gives) or a
// Bradley-Terry reward model fitted on `budget` π0 pairs (the classic RLHF pipeline: the pairs are the queries; the
// samples scored during training are compute only). Either way the reward is a table: r(x, a) on finite
// environments, a bigram table b(s, v) on sequences (r(x, y) = Σ_t b(y_{t−1}, y_t)).

export const REWARD_SOURCES = ["gold", "learned"] as const;
export type RewardSource = (typeof REWARD_SOURCES)[number];

export interface RewardTable {
  readonly source: RewardSource;
  /** r(x, a) (X·A) or b(s, v) ((V+1)·V). */
  readonly table: Float64Array;
  /** The BT estimate θ̂ of a learned reward (null for r*). */
  readonly theta: Float64Array | null;
}

/** The run's reward table; a typed error naming `reward` where r* is asked for and the environment has none. */
export function rewardTable(ctx: TrialContext, source: RewardSource, lambda = 1): E.Either<GshError, RewardTable> {
  if (source === "gold") {
    if (!ctx.goldReward)
      return E.left(
        invalidArgument("reward", "'gold' needs an environment with an r* (non-transitive ones have none)"),
      );
    return E.right({ source, table: ctx.goldReward, theta: null });
  }
  if (ctx.budget < 1)
    return E.left(invalidArgument("reward", "'learned' needs a reward model: a budget of at least one π0 pair"));
  if (ctx.kind === "sequence") {
    const env = sequenceEnvironment(ctx.problem);
    const fit = env.fitReward(env.offlineRecords(ctx.offlineData(ctx.budget)), { lambda });
    if (E.isLeft(fit)) return fit;
    const theta = fit.right.theta;
    return E.right({ source, table: bigramReward(ctx.problem, theta), theta });
  }
  const env = finiteEnvironment(ctx.problem);
  const fit = env.fitReward(env.offlineRecords(ctx.offlineData(ctx.budget)), { lambda });
  if (E.isLeft(fit)) return fit;
  const theta = fit.right.theta;
  return E.right({ source, table: linearReward(ctx.problem.features, theta), theta });
}

/** SubOpt of a Gibbs policy over sequences under a bigram reward b: η·E log Z_b − (E r_b − η·KL(π‖π0)), exactly. */
export function gibbsSequenceSubopt(problem: SequenceProblem, policy: FactoredGibbsPolicy, b: Float64Array): number {
  const { contextWeights: w, eta } = problem;
  const occ = gibbsMixtureOccupancy(policy, w);
  let reward = 0,
    own = 0;
  for (let i = 0; i < occ.length; i++) {
    reward += occ[i] * b[i];
    own += occ[i] * policy.bigram[i];
  }
  let logZ = 0,
    logZStar = 0;
  const star = factoredGibbsPolicy(problem, b, eta);
  for (let x = 0; x < w.length; x++) {
    logZ += w[x] * policy.logZ[x];
    logZStar += w[x] * star.logZ[x];
  }
  const kl = own / policy.eta - logZ;
  return Math.max(0, eta * logZStar - (reward - eta * kl));
}

/**
 * For a learned reward: the run's optimisation gap to the MLE-Gibbs policy π0·e^{r̂/η} (its SubOpt under r̂, which
 * the log-linear learner with k1 in the reward at η_t = η converges to) and, where r* is at hand, MLE-Gibbs's own
 * SubOpt (the statistical gap), so the two are reported apart.
 */
export function mleGibbsGaps(
  ctx: TrialContext,
  reward: RewardTable,
  policy: Policy | FactoredGibbsPolicy,
): Record<string, number> {
  if (reward.source !== "learned") return {};
  if (ctx.kind === "sequence") {
    const p = policy as FactoredGibbsPolicy;
    const out: Record<string, number> = { "pg/gapToMleGibbs": gibbsSequenceSubopt(ctx.problem, p, reward.table) };
    if (ctx.goldReward) {
      const mle = factoredGibbsPolicy(ctx.problem, reward.table, ctx.problem.eta);
      out["pg/mleGibbsSubopt"] = gibbsSequenceSubopt(ctx.problem, mle, ctx.goldReward);
    }
    return out;
  }
  const { problem } = ctx;
  const pi = policy as Policy;
  const out: Record<string, number> = {
    "pg/gapToMleGibbs": suboptimality(pi, problem.reference, reward.table, problem.eta, problem.contextWeights),
  };
  if (ctx.goldReward) {
    const mle = gibbsPolicy(problem.reference, reward.table, problem.eta).policy;
    out["pg/mleGibbsSubopt"] = suboptimality(
      mle,
      problem.reference,
      ctx.goldReward,
      problem.eta,
      problem.contextWeights,
    );
  }
  return out;
}

/** Unwraps for `run` (the runner turns a throw into a failed row naming the message). */
export const orThrow = <A>(e: E.Either<GshError, A>): A => getOrThrow(e);
