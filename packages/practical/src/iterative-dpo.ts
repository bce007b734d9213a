import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, rowSamplers, type Policy, type Rng, invalidArgument } from "@gsh/core";
import {
  type BanditProblem,
  PreferenceDataset,
  type PreferenceOracle,
  type PairRule,
  onlineLoop,
  selectPair,
} from "@gsh/preference";
import { DPO, type LossSpec } from "./losses";
import { PairBatch } from "./pairs-data";
import { type PolicyClass, createTrainablePolicy } from "./policy-factory";
import type { TrainablePolicy, TrainingMetrics } from "./policies";
import { RewardModel, rewardModelLabel } from "./reward-model";
import { trainPolicy } from "./train";

export interface IterativeDpoOptions {
  /** T rounds. */
  readonly rounds: number;
  /** Prompts per round (one labelled pair each). */
  readonly batchSize: number;
  /** Responses sampled per prompt from the current policy (default n = 8). */
  readonly responses?: number;
  /** Pair rule over the n responses, scored by the current reward estimate (default "max-min": best-vs-worst). */
  readonly pairRule?: PairRule;
  /** "oracle" (default): each pair costs one query. "reward-model": pairs are labelled by the current BT estimate. */
  readonly labels?: "oracle" | "reward-model";
  /** "fixed" (default, the authors' choice): reference π0 in every round. "moving": the previous round's policy. */
  readonly reference?: "fixed" | "moving";
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
  /** Oracle-labelled π0 pairs used to fit the reward model before round 1 (needed when labels = "reward-model"). */
  readonly warmupData?: PreferenceDataset;
}

export interface IterativeDpoRound {
  readonly round: number;
  readonly queries: number;
  readonly policy: Policy;
  readonly metrics: TrainingMetrics;
  /** Prompts whose n responses all tied under the reward estimate (a random pair was used and flagged). */
  readonly tiedPrompts: number;
}

export interface IterativeDpoResult {
  readonly policy: TrainablePolicy;
  readonly rounds: readonly IterativeDpoRound[];
  readonly queries: number;
  readonly rewardModelCalls: number;
  readonly gradientSteps: number;
  readonly candidatesSampled: number;
}

/**
 * Iterative DPO (online/hybrid GSHF in practice, spec §5): for t = 1..T, draw fresh prompts, n responses each from
 * the current policy, score them with the current reward estimate (the BT MLE on all oracle labels so far), pick a
 * pair by the shared `selectPair` rule, label it (oracle or reward model), then train on all pairs with reference
 * π0 (or a moving reference), warm-started from the previous round.
 */
export function iterativeDpo(
  problem: BanditProblem,
  oracle: PreferenceOracle,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<GshError, IterativeDpoResult> {
  const { rounds: T, batchSize: m } = options;
  if (!(Number.isInteger(T) && T >= 1)) return E.left(invalidArgument("rounds", `must be an integer ≥ 1, got ${T}`));
  if (!(Number.isInteger(m) && m >= 1)) return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${m}`));
  const n = options.responses ?? 8;
  if (!(Number.isInteger(n) && n >= 2))
    return E.left(invalidArgument("responses", `need n ≥ 2 responses per prompt, got ${n}`));
  if (options.labels === "reward-model" && !options.warmupData)
    return E.left(invalidArgument("warmupData", "reward-model labels need oracle-labelled warm-up data"));
  const A = problem.actions;
  const policy = createTrainablePolicy(options.policyClass ?? "log-linear", problem);
  const oracleData = new PreferenceDataset(T * m + (options.warmupData?.size ?? 0));
  if (options.warmupData) oracleData.append(options.warmupData);
  const pairs = new PairBatch();
  const contexts = new AliasTable(problem.contextWeights);
  let rmCalls = 0,
    gradientSteps = 0,
    candidatesSampled = 0;
  let reward = RewardModel.fit(problem, oracleData);
  let previous: Policy | undefined;
  let tied = 0;
  let callsBefore = 0;
  const cand = new Int32Array(n);
  const scores = new Float64Array(n);
  const loop = onlineLoop(
    oracle,
    rng,
    { rounds: T, batchSize: m, roundKey: "round", pairKey: null, context: (r) => contexts.sample(r) },
    {
      plan: () => {
        const tables = rowSamplers(policy.distribution().probs, problem.contexts, A);
        tied = 0;
        callsBefore = reward.calls;
        return E.right({
          collect: (x, roundRng) => {
            for (let j = 0; j < n; j++) {
              cand[j] = tables[x].sample(roundRng);
              scores[j] = reward.score(x, cand[j]);
            }
            candidatesSampled += n;
            let pick = selectPair(scores, options.pairRule ?? "max-min", roundRng);
            if (pick === null) {
              tied++;
              pick = selectPair(scores, "random", roundRng)!;
            }
            const [a1, a2] = [cand[pick[0]], cand[pick[1]]];
            if (options.labels === "reward-model") {
              const y = rewardModelLabel(reward, x, a1, a2, roundRng);
              pairs.addLabelled(x, a1, a2, y);
            } else {
              const y = oracle.query(x, a1, a2);
              oracleData.push(x, a1, a2, y);
              pairs.addLabelled(x, a1, a2, y);
            }
          },
        });
      },
      learn: (t, queries) => {
        rmCalls += reward.calls - callsBefore;
        const reference = options.reference === "moving" ? (previous ?? problem.reference) : undefined;
        const tr = trainPolicy(policy, pairs, { loss: options.loss ?? DPO, l2: options.l2, reference });
        if (E.isLeft(tr)) return tr;
        gradientSteps += tr.right.steps;
        previous = policy.distribution();
        if (options.labels !== "reward-model") reward = RewardModel.fit(problem, oracleData, 1, reward.theta);
        return E.right<GshError, IterativeDpoRound>({
          round: t + 1,
          queries,
          policy: previous,
          metrics: tr.right.metrics,
          tiedPrompts: tied,
        });
      },
    },
  );
  if (E.isLeft(loop)) return loop;
  const rounds = loop.right.trace;
  return E.right({
    policy,
    rounds,
    queries: loop.right.queries,
    rewardModelCalls: rmCalls,
    gradientSteps,
    candidatesSampled,
  });
}
