import { type Policy, klToReference, suboptimality } from "@gsh/core";
import {
  type AlgorithmOutput,
  type SequenceProblem,
  defineAlgorithm,
  factoredGibbsPolicy,
  sampleReferenceSequence,
  sequenceReward,
  z,
} from "@gsh/preference";
import { ALL_KINDS } from "../params";
import { bestOfNKlBound, bestOfNMonteCarlo, bestOfNPolicy, rankingWinRate } from "./best-of-n";
import { pgUnsupported } from "./pg-params";
import { REWARD_SOURCES, orThrow, rewardTable } from "./reward-source";

/**
 * Best-of-n of π0 as a baseline policy, ranked by r* or a BT reward model on `budget` π0 pairs. Finite environments:
 * its exact distribution is the row's policy (scored exactly), with its exact KL to π0 beside the quoted bound and its
 * ranking win rate against π0. Sequences: log π_BoN(y) needs π0's reward distribution, so the row's policy is π0's
 * and its reward and win rate are Monte-Carlo diagnostics with 95% intervals, its KL only the bound.
 */
export const bestOfNAlgorithm = defineAlgorithm({
  name: "best-of-n",
  track: "practical",
  description: "best-of-n of π0 under r* or a learned reward: exact on finite environments, Monte Carlo on sequences",
  params: z
    .object({
      n: z.number().int().positive().default(8),
      reward: z.enum(REWARD_SOURCES).default("gold"),
      rewardL2: z.number().positive().default(1),
      /** Best-of-n draws for the Monte-Carlo estimates on sequences. */
      draws: z.number().int().positive().default(2000),
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) => pgUnsupported(shape, { policy: "log-linear", reward: p.reward }),
  run: (ctx, p): AlgorithmOutput => {
    const reward = orThrow(rewardTable(ctx, p.reward, p.rewardL2));
    const bound = bestOfNKlBound(p.n);
    if (ctx.kind === "sequence") {
      const { problem } = ctx;
      const V = problem.vocab;
      const score = (_x: number, y: Int32Array) => sequenceReward(reward.table, V, y);
      const mc = bestOfNMonteCarlo(
        p.n,
        p.draws,
        (x, r) => sampleReferenceSequence(problem, x, r),
        score,
        (r) => r.categorical(problem.contextWeights),
        ctx.rng.split("best-of-n"),
      );
      return {
        policy: { kind: "gibbs" as const, gibbs: referenceGibbs(problem) },
        costs: { candidatesSampled: mc.samples, rewardModelCalls: reward.source === "learned" ? mc.samples : 0 },
        diagnostics: {
          "bon/n": p.n,
          "bon/klBound": bound,
          "bon/reward": mc.reward.mean,
          "bon/rewardHalfWidth95": mc.reward.halfWidth95,
          "bon/winRate": mc.winRate.mean,
          "bon/winRateHalfWidth95": mc.winRate.halfWidth95,
          "bon/rowPolicy": "π0 (best-of-n has no exact log-probability on sequences)",
        },
      };
    }
    const { problem } = ctx;
    const pi: Policy = bestOfNPolicy(problem.reference, reward.table, p.n);
    const w = problem.contextWeights;
    return {
      policy: pi,
      costs: { rewardModelCalls: reward.source === "learned" ? problem.contexts * problem.actions : 0 },
      diagnostics: {
        "bon/n": p.n,
        "bon/kl": klToReference(pi, problem.reference, w),
        "bon/klBound": bound,
        "bon/winRate": rankingWinRate(pi, problem.reference, reward.table, w),
        ...(ctx.goldReward ? { "bon/goldWinRate": rankingWinRate(pi, problem.reference, ctx.goldReward, w) } : {}),
        ...(reward.source === "learned" && ctx.goldReward
          ? { "bon/proxySubopt": suboptimality(pi, problem.reference, reward.table, problem.eta, w) }
          : {}),
      },
    };
  },
});

const referenceGibbs = (problem: SequenceProblem) =>
  factoredGibbsPolicy(problem, new Float64Array((problem.vocab + 1) * problem.vocab), problem.eta);
