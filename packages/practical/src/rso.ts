import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, gibbsPolicy, rowSamplers, type Rng, invalidArgument } from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "@gsh/preference";
import { DPO, type LossSpec } from "./losses";
import { PairBatch } from "./pairs-data";
import { type PolicyClass, createTrainablePolicy } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type RewardLabelMode, type RewardModel, rewardModelLabel } from "./reward-model";
import { type SamplingCosts, consecutivePairs, samplingSizes, statisticalRejectionSample } from "./rejection-sampling";
import { type TrainResult, trainPolicy, trainingPairs } from "./train";

export interface RsoOptions {
  /**
   * Synthetic pairs to generate (default 16384, `DEFAULT_SYNTHETIC_PAIRS`): ⌈pairs/⌊k/2⌋⌉ prompts are drawn from d0.
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
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
}

export interface RsoResult {
  readonly policy: TrainablePolicy;
  readonly pairs: PairBatch;
  readonly costs: SamplingCosts;
  readonly train: TrainResult;
}

/**
 * RSO (Liu et al. 2023): for each prompt, N candidates from π0, scored by the reward model, the statistical
 * rejection sampler keeps k (targeting π0·e^{r̂/η}); consecutive accepted samples are paired, labelled by the reward
 * model or the oracle, and a policy is fit by the loss (DPO by default). The synthetic dataset has `syntheticPairs`
 * pairs (16384 by default): with BT labels and a policy class that contains π0·e^{r̂/η}, DPO's optimum on them tends
 * to that MLE-Gibbs policy as the pairs grow (tested), so RSO's gap to MLE-Gibbs is a finite-sample effect.
 */
export function rso(
  problem: BanditProblem,
  rewardModel: RewardModel,
  rng: Rng,
  options: RsoOptions = {},
  oracle?: PreferenceOracle,
): E.Either<GshError, RsoResult> {
  const sizes = samplingSizes(options);
  if (E.isLeft(sizes)) return sizes;
  const { P: prompts, N, k } = sizes.right;
  const sampler = options.sampler ?? "rejection";
  if (sampler !== "rejection" && sampler !== "exact")
    return E.left(invalidArgument("sampler", `must be "rejection" or "exact", got ${String(sampler)}`));
  if (options.labels === "oracle" && !oracle) return E.left(invalidArgument("labels", "oracle labels need an oracle"));
  const A = problem.actions;
  const contexts = new AliasTable(problem.contextWeights);
  const tables = rowSamplers(problem.reference.probs, problem.contexts, A);
  const costs: SamplingCosts = { candidatesSampled: 0, rewardModelCalls: 0 };
  const pairs = new PairBatch();
  const calls0 = rewardModel.calls;
  let exact: ReturnType<typeof rowSamplers> | null = null;
  for (let p = 0; p < prompts; p++) {
    const x = contexts.sample(rng);
    let cands: number[];
    let acc: number[];
    if (sampler === "exact") {
      exact ??= rowSamplers(
        gibbsPolicy(problem.reference, rewardModel.table, problem.eta).policy.probs,
        problem.contexts,
        A,
      );
      cands = Array.from({ length: k }, () => exact![x].sample(rng));
      acc = cands.map((_, i) => i);
    } else {
      cands = Array.from({ length: N }, () => tables[x].sample(rng));
      costs.candidatesSampled += N;
      const rewards = cands.map((a) => rewardModel.score(x, a));
      acc = statisticalRejectionSample(rewards, k, problem.eta, rng);
    }
    for (const [i, j] of consecutivePairs(acc)) {
      if (options.labels === "oracle") pairs.addLabelled(x, cands[i], cands[j], oracle!.query(x, cands[i], cands[j]));
      else {
        const y = rewardModelLabel(rewardModel, x, cands[i], cands[j], rng, options.rewardLabels);
        pairs.addLabelled(x, cands[i], cands[j], y);
      }
    }
  }
  costs.rewardModelCalls = rewardModel.calls - calls0;
  const policy = createTrainablePolicy(options.policyClass ?? "log-linear", problem);
  const train = trainPolicy(policy, trainingPairs(policy, pairs), { loss: options.loss ?? DPO, l2: options.l2 });
  return E.isLeft(train) ? train : E.right({ policy, pairs, costs, train: train.right });
}
