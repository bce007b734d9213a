import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, rowSamplers, type Policy, type Rng, gibbsPolicy, invalidArgument } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import { DPO, type LossSpec } from "./losses";
import { PairBatch } from "./pairs-data";
import { type PolicyClass, createTrainablePolicy } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type RewardLabelMode, type RewardModel, rewardModelLabel } from "./reward-model";
import {
  type SamplingCosts,
  annealedLogWeights,
  consecutivePairs,
  defaultSchedule,
  fittedLogWeights,
  rejectionSampleWithLogAcceptance,
  syntheticPrompts,
} from "./rejection-sampling";
import { trainPolicy, trainingPairs } from "./train";

export interface MultiStepOptions {
  /** η₁ > η₂ > … > η_K (default K = 3: 10η, √10·η, η). */
  readonly schedule?: readonly number[];
  /** Synthetic pairs per step (default 16384, as RSO's): ⌈pairs/⌊k/2⌋⌉ prompts per step. */
  readonly syntheticPairs?: number;
  /** Candidates per prompt and step (default 64). */
  readonly candidates?: number;
  /** Accepted per prompt and step (default 8). */
  readonly accepted?: number;
  /** "fitted" (default, the practical algorithm): step i proposes from the policy fitted at step i−1; "exact": from π0·e^{r̂/η_{i−1}}. */
  readonly proposal?: "fitted" | "exact";
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
  /** How the reward model labels the pairs (default "bradley-terry"). */
  readonly rewardLabels?: RewardLabelMode;
}

export interface MultiStepStep {
  readonly eta: number;
  /** Accepted samples (x, a) of this step. */
  readonly samples: readonly (readonly [number, number])[];
  /** The policy fitted on this step's pairs (warm-started from the previous step's). */
  readonly policy: TrainablePolicy;
  readonly fitted: Policy;
  /** Optimizer steps of this step's fit (a cost beside queries). */
  readonly gradientSteps: number;
}

export interface MultiStepResult {
  readonly steps: readonly MultiStepStep[];
  readonly policy: TrainablePolicy;
  readonly costs: SamplingCosts;
}

/**
 * Multi-step rejection sampling (the paper's offline practical algorithm, spec §5): anneal η₁ > … > η_K = η; step i
 * samples π0·e^{r̂/η_i} by rejection from the step i−1 proposal, pairs consecutive accepted samples (labelled by the
 * reward model) and fits a policy on them. With the exact step i−1 Gibbs policy as proposal the acceptance is
 * exp((1/η_i − 1/η_{i−1})(r − r_max)); with a fitted proposal it is ∝ exp(log π0 + r/η_i − log π_fit), normalized by
 * its largest value among the candidates.
 */
export function multiStepRejectionSampling(
  problem: BanditProblem,
  rewardModel: RewardModel,
  rng: Rng,
  options: MultiStepOptions = {},
): E.Either<GshError, MultiStepResult> {
  const schedule = options.schedule ?? defaultSchedule(problem.eta);
  for (let i = 1; i < schedule.length; i++)
    if (!(schedule[i] < schedule[i - 1]))
      return E.left(invalidArgument("schedule", `must decrease strictly, got ${schedule.join(", ")}`));
  if (!schedule.every((e) => e > 0)) return E.left(invalidArgument("schedule", "every η_i must be > 0"));
  const N = options.candidates ?? 64;
  const k = options.accepted ?? 8;
  if (!(Number.isInteger(k) && k >= 2)) return E.left(invalidArgument("accepted", `need k ≥ 2, got ${k}`));
  const synthetic = syntheticPrompts(options.syntheticPairs, k);
  if (E.isLeft(synthetic)) return synthetic;
  const prompts = synthetic.right;
  const A = problem.actions;
  const contexts = new AliasTable(problem.contextWeights);
  const costs: SamplingCosts = { candidatesSampled: 0, rewardModelCalls: 0 };
  const calls0 = rewardModel.calls;
  const policy = createTrainablePolicy(options.policyClass ?? "log-linear", problem);
  const steps: MultiStepStep[] = [];
  let proposal: Policy = problem.reference;
  let previousEta = Infinity;
  for (const [s, eta] of schedule.entries()) {
    const stepRng = rng.split(`step/${s}`);
    const tables = rowSamplers(proposal.probs, problem.contexts, A);
    const pairs = new PairBatch();
    const samples: [number, number][] = [];
    for (let p = 0; p < prompts; p++) {
      const x = contexts.sample(stepRng);
      const cands = Array.from({ length: N }, () => tables[x].sample(stepRng));
      costs.candidatesSampled += N;
      const r = cands.map((a) => rewardModel.score(x, a));
      const w =
        options.proposal === "exact"
          ? annealedLogWeights(r, eta, previousEta)
          : fittedLogWeights(
              r,
              cands.map((a) => Math.log(problem.reference.probs[x * A + a])),
              cands.map((a) => Math.log(proposal.probs[x * A + a])),
              eta,
            );
      const acc = rejectionSampleWithLogAcceptance(w, k, stepRng);
      for (const i of acc) samples.push([x, cands[i]]);
      for (const [i, j] of consecutivePairs(acc)) {
        const y = rewardModelLabel(rewardModel, x, cands[i], cands[j], stepRng, options.rewardLabels);
        pairs.addLabelled(x, cands[i], cands[j], y);
      }
    }
    const t = trainPolicy(policy, trainingPairs(policy, pairs), { loss: options.loss ?? DPO, eta, l2: options.l2 });
    if (E.isLeft(t)) return t;
    const fitted = policy.distribution();
    steps.push({ eta, samples, policy, fitted, gradientSteps: t.right.steps });
    proposal = options.proposal === "exact" ? gibbsPolicy(problem.reference, rewardModel.table, eta).policy : fitted;
    previousEta = eta;
  }
  costs.rewardModelCalls = rewardModel.calls - calls0;
  return E.right({ steps, policy, costs });
}
