import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, type Rng, getOrThrow, invalidArgument } from "@gsh/core";
import {
  type BanditProblem,
  type Oracle,
  type PreferenceOracle,
  type SequenceOfflineData,
  type SequencePolicy,
  type SequenceProblem,
  type TabularSequencePolicy,
  defineAlgorithm,
  z,
} from "@gsh/preference";
import { banditLearner } from "./finite";
import type { FitResult, Learner, PairSet, Proposal, RewardEstimate } from "./learner";
import type { LossSpec } from "./losses";
import type { PairBatch } from "./pairs-data";
import { ALL_KINDS, lossKind, lossOf, policyClass, policyUnsupported } from "./params";
import type { PolicyClass } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type RewardLabelMode, type RewardModel, rewardLabel } from "./reward-model";
import {
  type SamplingCosts,
  consecutivePairs,
  rsoDefaultPairs,
  samplingSizes,
  statisticalRejectionSample,
} from "./rejection-sampling";
import type { SequenceLearner } from "./sequence/sequence-learner";
import type { TrainResult } from "./train";
import { withLearner } from "./trial-learner";

/** RSO's synthetic-dataset size, sampler and labels. */
export interface RsoOptions {
  /**
   * Synthetic pairs to generate (default 16384, `DEFAULT_SYNTHETIC_PAIRS`; the runner's `rso` defaults by kind,
   * `rsoDefaultPairs`): ⌈pairs/⌊k/2⌋⌉ prompts are drawn from d0.
   * The explicit axis of RSO's comparisons: its pairs cost compute, not queries.
   */
  readonly syntheticPairs?: number;
  /**
   * How the k samples per prompt are drawn: "rejection" (default, RSO's statistical rejection sampler over N
   * candidates from π0) or "exact" (i.i.d. from π0·e^{r̂/η} itself: the idealised sampler, for checking RSO's limit).
   */
  readonly sampler?: "rejection" | "exact";
  /** Candidates per prompt drawn from π0 (default N = 64). */
  readonly candidates?: number;
  /** Accepted samples per prompt (default k = 8), paired consecutively. */
  readonly accepted?: number;
  /** Who labels the pairs: the reward model (default; reward-model calls) or the oracle (preference queries). */
  readonly labels?: "reward-model" | "oracle";
  /** How the reward model labels (default "bradley-terry": sampled from σ(r̂ gap)). */
  readonly rewardLabels?: RewardLabelMode;
  /** Deprecated bandit form only (the learner carries them otherwise). */
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
}

/** RSO's result: the fitted policy, the synthetic pairs, the sampling costs and the fit. */
export interface RsoRun<Out, S, F> {
  readonly policy: Out;
  readonly pairs: S;
  readonly costs: SamplingCosts;
  readonly train: F;
}

/** The deprecated bandit form's result. */
export interface RsoResult {
  readonly policy: TrainablePolicy;
  readonly pairs: PairBatch;
  readonly costs: SamplingCosts;
  readonly train: TrainResult;
}

/**
 * RSO (Liu et al. 2023), for every environment kind: for each prompt, N candidates from π0, scored by the reward
 * model, the statistical rejection sampler keeps k (targeting π0·e^{r̂/η}); consecutive accepted samples are paired,
 * labelled by the reward model or the oracle, and the learner is fit on them by its loss (DPO by default). The
 * synthetic dataset has `syntheticPairs` pairs (16384 by default): with BT labels and a policy class that contains
 * π0·e^{r̂/η}, DPO's optimum on them tends to that MLE-Gibbs policy as the pairs grow (tested), so RSO's gap to
 * MLE-Gibbs is a finite-sample effect.
 */
export function rso<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  rewardModel: RewardEstimate<R>,
  rng: Rng,
  options?: RsoOptions,
  oracle?: Oracle<R>,
): E.Either<GshError, RsoRun<Out, S, F>>;
/** @deprecated use `rso(banditLearner(problem, { policyClass, loss, l2 }), rewardModel, rng, options, oracle)` */
export function rso(
  problem: BanditProblem,
  rewardModel: RewardModel,
  rng: Rng,
  options?: RsoOptions,
  oracle?: PreferenceOracle,
): E.Either<GshError, RsoResult>;
export function rso(
  target: BanditProblem | Learner<unknown, unknown, PairSet<unknown>, Policy | SequencePolicy, FitResult>,
  rewardModel: RewardEstimate<unknown>,
  rng: Rng,
  options: RsoOptions = {},
  oracle?: Oracle<unknown>,
): E.Either<GshError, RsoRun<unknown, unknown, unknown>> {
  if ("fit" in target) return run(target, rewardModel, rng, options, oracle);
  const learner = banditLearner(target, { policyClass: options.policyClass, loss: options.loss, l2: options.l2 });
  const r = run(learner, rewardModel as RewardModel, rng, options, oracle);
  return E.isLeft(r) ? r : E.right({ ...r.right, policy: learner.model });
}

function run<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  rewardModel: RewardEstimate<R>,
  rng: Rng,
  options: RsoOptions,
  oracle?: Oracle<R>,
): E.Either<GshError, RsoRun<Out, S, F>> {
  const sizes = samplingSizes(options);
  if (E.isLeft(sizes)) return sizes;
  const { P: prompts, N, k } = sizes.right;
  const sampler = options.sampler ?? "rejection";
  if (sampler !== "rejection" && sampler !== "exact")
    return E.left(invalidArgument("sampler", `must be "rejection" or "exact", got ${String(sampler)}`));
  if (options.labels === "oracle" && !oracle) return E.left(invalidArgument("labels", "oracle labels need an oracle"));
  const env = learner.environment;
  const costs: SamplingCosts = { candidatesSampled: 0, rewardModelCalls: 0 };
  const pairs = env.pairs();
  const calls0 = rewardModel.calls;
  let exact: Proposal<R> | null = null;
  for (let p = 0; p < prompts; p++) {
    const x = env.drawPrompt(rng);
    let cands: R[];
    let acc: number[];
    if (sampler === "exact") {
      const gibbs = (exact ??= rewardModel.gibbs(env.eta));
      cands = Array.from({ length: k }, () => gibbs.sample(x, rng));
      acc = cands.map((_, i) => i);
    } else {
      cands = Array.from({ length: N }, () => env.reference.sample(x, rng));
      costs.candidatesSampled += N;
      const rewards = cands.map((y) => rewardModel.score(x, y));
      acc = statisticalRejectionSample(rewards, k, env.eta, rng);
    }
    for (const [i, j] of consecutivePairs(acc)) {
      const [a, b] = [cands[i], cands[j]];
      if (options.labels === "oracle") pairs.add(x, a, b, oracle!.query(x, a, b));
      else
        pairs.add(x, a, b, rewardLabel(rewardModel.value(x, a) - rewardModel.value(x, b), rng, options.rewardLabels));
    }
  }
  costs.rewardModelCalls = rewardModel.calls - calls0;
  const train = learner.fit(pairs, { mergeDuplicates: true });
  return E.isLeft(train) ? train : E.right({ policy: learner.current(), pairs, costs, train: train.right });
}

/** @deprecated use `RsoOptions` */
export type SequenceRsoOptions = Pick<RsoOptions, "syntheticPairs" | "candidates" | "accepted">;

/** @deprecated use `rso(learner, rewardModel, rng, options)` with the environment's `fitReward` of the offline data */
export function sequenceRso(
  learner: SequenceLearner,
  _problem: SequenceProblem,
  offline: SequenceOfflineData,
  rng: Rng,
  options: SequenceRsoOptions = {},
): E.Either<
  GshError,
  {
    policy: TabularSequencePolicy;
    pairs: number;
    candidatesSampled: number;
    rewardModelCalls: number;
    gradientSteps: number;
  }
> {
  const reward = learner.environment.fitReward(offline.data);
  if (E.isLeft(reward)) return reward;
  const r = rso(learner, reward.right, rng, options);
  return E.isLeft(r)
    ? r
    : E.right({
        policy: r.right.policy,
        pairs: r.right.pairs.data.size,
        candidatesSampled: r.right.costs.candidatesSampled,
        rewardModelCalls: r.right.costs.rewardModelCalls,
        gradientSteps: r.right.train.steps,
      });
}

/** The `rso` algorithm on every environment kind: the BT reward model of `budget` π0 pairs, then RSO. */
export const rsoAlgorithm = defineAlgorithm({
  name: "rso",
  track: "practical",
  description:
    "RSO: BT reward model on `budget` π0 pairs, statistical rejection sampling (N candidates from π0, k accepted) until `syntheticPairs` pairs (default 65536 on finite actions, 16384 on sequences), reward-model labels, DPO fit",
  params: z
    .object({
      /** Absent: `rsoDefaultPairs(kind)`, 65536 on finite actions and 16384 on sequences. */
      syntheticPairs: z.number().int().positive().optional(),
      candidates: z.number().int().min(2).default(64),
      accepted: z.number().int().min(2).default(8),
      loss: lossKind,
      policy: policyClass,
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) => policyUnsupported(shape, p.policy),
  run: (ctx, p) =>
    withLearner(ctx, { policy: p.policy, loss: lossOf(p.loss) }, (learner, trial) => {
      const env = learner.environment;
      const reward = getOrThrow(env.fitReward(env.offlineRecords(trial.offlineData(ctx.budget))));
      const r = getOrThrow(
        rso(learner, reward, ctx.rng, {
          syntheticPairs: p.syntheticPairs ?? rsoDefaultPairs(ctx.kind),
          candidates: p.candidates,
          accepted: p.accepted,
        }),
      );
      return {
        policy: r.policy,
        costs: { ...r.costs, gradientSteps: r.train.steps },
        diagnostics: r.pairs.diagnostics(),
      };
    }),
});
