import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, rowSamplers, type Rng, invalidArgument } from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "@gsh/preference";
import { DPO, type LossSpec } from "./losses";
import { PairBatch } from "./pairs-data";
import { type PolicyClass, makePolicy } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type RewardLabelMode, type RewardModel, rewardModelLabel } from "./reward-model";
import { type SamplingCosts, consecutivePairs, statisticalRejectionSample } from "./rejection-sampling";
import { type TrainResult, trainPolicy } from "./train";

export interface RsoOptions {
  /** Prompts drawn from d0 (default 64). */
  readonly prompts?: number;
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
 * model or the oracle, and a policy is fit by the loss (DPO by default).
 */
export function rso(
  problem: BanditProblem,
  rewardModel: RewardModel,
  rng: Rng,
  options: RsoOptions = {},
  oracle?: PreferenceOracle,
): E.Either<GshError, RsoResult> {
  const prompts = options.prompts ?? 64;
  const N = options.candidates ?? 64;
  const k = options.accepted ?? 8;
  if (!(Number.isInteger(N) && N >= 2)) return E.left(invalidArgument("candidates", `need N ≥ 2, got ${N}`));
  if (!(Number.isInteger(k) && k >= 2 && k <= N))
    return E.left(invalidArgument("accepted", `need 2 ≤ k ≤ N, got ${k}`));
  if (options.labels === "oracle" && !oracle) return E.left(invalidArgument("labels", "oracle labels need an oracle"));
  const A = problem.actions;
  const contexts = new AliasTable(problem.contextWeights);
  const tables = rowSamplers(problem.reference.probs, problem.contexts, A);
  const costs: SamplingCosts = { candidatesSampled: 0, rewardModelCalls: 0 };
  const pairs = new PairBatch();
  const calls0 = rewardModel.calls;
  for (let p = 0; p < prompts; p++) {
    const x = contexts.sample(rng);
    const cands = Array.from({ length: N }, () => tables[x].sample(rng));
    costs.candidatesSampled += N;
    const rewards = cands.map((a) => rewardModel.score(x, a));
    const acc = statisticalRejectionSample(rewards, k, problem.eta, rng);
    for (const [i, j] of consecutivePairs(acc)) {
      if (options.labels === "oracle") pairs.addLabelled(x, cands[i], cands[j], oracle!.query(x, cands[i], cands[j]));
      else {
        const y = rewardModelLabel(rewardModel, x, cands[i], cands[j], rng, options.rewardLabels);
        if (y === null) pairs.degenerate++;
        else pairs.addLabelled(x, cands[i], cands[j], y);
      }
    }
  }
  costs.rewardModelCalls = rewardModel.calls - calls0;
  const policy = makePolicy(options.policyClass ?? "log-linear", problem);
  const train = trainPolicy(policy, pairs, { loss: options.loss ?? DPO, l2: options.l2 });
  return E.isLeft(train) ? train : E.right({ policy, pairs, costs, train: train.right });
}
