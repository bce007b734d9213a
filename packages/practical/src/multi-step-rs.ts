import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, type Rng, getOrThrow, invalidArgument } from "@gsh/core";
import {
  type BanditProblem,
  type SequenceOfflineData,
  type SequencePolicy,
  type SequenceProblem,
  type TabularSequencePolicy,
  defineAlgorithm,
  z,
} from "@gsh/preference";
import { banditLearner } from "./finite";
import type { FitResult, Learner, PairSet, Proposal, RewardEstimate } from "./learner";
import { DPO, type LossSpec } from "./losses";
import { ALL_KINDS, policyClass, policyUnsupported } from "./params";
import type { PolicyClass } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type RewardLabelMode, type RewardModel, rewardLabel } from "./reward-model";
import {
  DEFAULT_SYNTHETIC_PAIRS,
  type SamplingCosts,
  annealedLogWeights,
  consecutivePairs,
  defaultSchedule,
  fittedLogWeights,
  rejectionSampleWithLogAcceptance,
  samplingSizes,
} from "./rejection-sampling";
import { logLinearLearner } from "./sequence/sequence-learner";
import { withLearner } from "./trial-learner";

/** Multi-step RS's schedule, sampler sizes, proposal and labels. */
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
  /** How the reward model labels the pairs (default "bradley-terry"). */
  readonly rewardLabels?: RewardLabelMode;
  /** Deprecated bandit and sequence forms only (the learner carries them otherwise). */
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
}

/** One annealing step of multi-step RS. */
export interface MultiStepStep<R = number, Out = Policy, F extends FitResult = FitResult> {
  readonly eta: number;
  /** Accepted samples (x, y) of this step. */
  readonly samples: readonly (readonly [number, R])[];
  /** The policy fitted on this step's pairs (warm-started from the previous step's). */
  readonly fitted: Out;
  readonly train: F;
  /** Optimizer steps of this step's fit (a cost beside queries). */
  readonly gradientSteps: number;
}

/** Multi-step RS's result: every step, the final policy and the sampling costs. */
export interface MultiStepRun<R, Out, F extends FitResult = FitResult> {
  readonly steps: readonly MultiStepStep<R, Out, F>[];
  readonly policy: Out;
  readonly costs: SamplingCosts;
}

/** The deprecated bandit form's result. */
export interface MultiStepResult {
  readonly steps: readonly (MultiStepStep & { readonly policy: TrainablePolicy })[];
  readonly policy: TrainablePolicy;
  readonly costs: SamplingCosts;
}

/**
 * Multi-step rejection sampling (the paper's offline practical algorithm, spec §5), for every environment kind:
 * anneal η₁ > … > η_K = η; step i samples π0·e^{r̂/η_i} by rejection from the step i−1 proposal, pairs consecutive
 * accepted samples (labelled by the reward model) and fits the learner on them at η_i. With the exact step i−1 Gibbs
 * policy as proposal the acceptance is exp((1/η_i − 1/η_{i−1})(r − r_max)); with a fitted proposal it is
 * ∝ exp(log π0 + r/η_i − log π_fit), normalized by its largest value among the candidates.
 */
export function multiStepRejectionSampling<
  R,
  D,
  S extends PairSet<R>,
  Out extends Policy | SequencePolicy,
  F extends FitResult,
>(
  learner: Learner<R, D, S, Out, F>,
  rewardModel: RewardEstimate<R>,
  rng: Rng,
  options?: MultiStepOptions,
): E.Either<GshError, MultiStepRun<R, Out, F>>;
/** @deprecated use `multiStepRejectionSampling(banditLearner(problem, { policyClass, loss, l2 }), rewardModel, rng, options)` */
export function multiStepRejectionSampling(
  problem: BanditProblem,
  rewardModel: RewardModel,
  rng: Rng,
  options?: MultiStepOptions,
): E.Either<GshError, MultiStepResult>;
export function multiStepRejectionSampling(
  target: BanditProblem | Learner<unknown, unknown, PairSet<unknown>, Policy | SequencePolicy, FitResult>,
  rewardModel: RewardEstimate<unknown>,
  rng: Rng,
  options: MultiStepOptions = {},
): E.Either<GshError, MultiStepRun<unknown, unknown> | MultiStepResult> {
  if ("fit" in target) return run(target, rewardModel, rng, options);
  const learner = banditLearner(target, { policyClass: options.policyClass, loss: options.loss, l2: options.l2 });
  const r = run(learner, rewardModel as RewardModel, rng, options);
  if (E.isLeft(r)) return r;
  const policy = learner.model;
  return E.right({ ...r.right, policy, steps: r.right.steps.map((s) => ({ ...s, policy })) });
}

function run<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  rewardModel: RewardEstimate<R>,
  rng: Rng,
  options: MultiStepOptions,
): E.Either<GshError, MultiStepRun<R, Out, F>> {
  const env = learner.environment;
  const schedule = options.schedule ?? defaultSchedule(env.eta);
  if (schedule.length === 0) return E.left(invalidArgument("schedule", "needs at least one η"));
  for (let i = 1; i < schedule.length; i++)
    if (!(schedule[i] < schedule[i - 1]))
      return E.left(invalidArgument("schedule", `must decrease strictly, got ${schedule.join(", ")}`));
  if (!schedule.every((e) => e > 0)) return E.left(invalidArgument("schedule", "every η_i must be > 0"));
  const sizes = samplingSizes(options);
  if (E.isLeft(sizes)) return sizes;
  const { P: prompts, N, k } = sizes.right;
  const costs: SamplingCosts = { candidatesSampled: 0, rewardModelCalls: 0 };
  const calls0 = rewardModel.calls;
  const steps: MultiStepStep<R, Out, F>[] = [];
  // The proposal is π0 at the first step, then the last fitted (or exact Gibbs) policy.
  let proposal: Proposal<R> = env.reference;
  let previousEta = Infinity;
  for (const [s, eta] of schedule.entries()) {
    const stepRng = rng.split(`step/${s}`);
    const pairs = env.pairs();
    const samples: [number, R][] = [];
    for (let p = 0; p < prompts; p++) {
      const x = env.drawPrompt(stepRng);
      const cands = Array.from({ length: N }, () => proposal.sample(x, stepRng));
      costs.candidatesSampled += N;
      const r = cands.map((y) => rewardModel.score(x, y));
      const w =
        options.proposal === "exact"
          ? annealedLogWeights(r, eta, previousEta)
          : fittedLogWeights(
              r,
              cands.map((y) => env.reference.logProb(x, y)),
              cands.map((y) => proposal.logProb(x, y)),
              eta,
            );
      const acc = rejectionSampleWithLogAcceptance(w, k, stepRng);
      for (const i of acc) samples.push([x, cands[i]]);
      for (const [i, j] of consecutivePairs(acc))
        pairs.add(x, cands[i], cands[j], rewardLabel(r[i] - r[j], stepRng, options.rewardLabels));
    }
    const t = learner.fit(pairs, { eta, mergeDuplicates: true });
    if (E.isLeft(t)) return t;
    steps.push({ eta, samples, fitted: learner.current(), train: t.right, gradientSteps: t.right.steps });
    proposal = options.proposal === "exact" ? rewardModel.gibbs(eta) : learner.proposal();
    previousEta = eta;
  }
  costs.rewardModelCalls = rewardModel.calls - calls0;
  return E.right({ steps, policy: steps[steps.length - 1].fitted, costs });
}

/** @deprecated use `multiStepRejectionSampling(logLinearLearner(problem, { loss }), rewardModel, rng, options)` */
export function sequenceMultiStepRs(
  problem: SequenceProblem,
  offline: SequenceOfflineData,
  rng: Rng,
  options: MultiStepOptions = {},
): E.Either<
  GshError,
  { policy: TabularSequencePolicy; candidatesSampled: number; rewardModelCalls: number; gradientSteps: number }
> {
  const learner = logLinearLearner(problem, { loss: options.loss });
  const reward = learner.environment.fitReward(offline.data);
  if (E.isLeft(reward)) return reward;
  const r = multiStepRejectionSampling(learner, reward.right, rng, options);
  return E.isLeft(r)
    ? r
    : E.right({
        policy: r.right.policy,
        ...r.right.costs,
        gradientSteps: r.right.steps.reduce((s, x) => s + x.gradientSteps, 0),
      });
}

/** The `multi-step-rs` algorithm on every environment kind: the BT reward model of `budget` π0 pairs, then K steps. */
export const multiStepRsAlgorithm = defineAlgorithm({
  name: "multi-step-rs",
  track: "practical",
  description:
    "multi-step rejection sampling: BT reward model on `budget` π0 pairs, K annealed steps (10η, √10η, η) from fitted proposals, DPO fit per step",
  params: z
    .object({
      syntheticPairs: z.number().int().positive().default(DEFAULT_SYNTHETIC_PAIRS),
      candidates: z.number().int().min(2).default(64),
      accepted: z.number().int().min(2).default(8),
      proposal: z.enum(["fitted", "exact"]).default("fitted"),
      policy: policyClass,
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) => policyUnsupported(shape, p.policy),
  run: (ctx, p) =>
    withLearner(ctx, { policy: p.policy, loss: DPO }, (learner, trial) => {
      const env = learner.environment;
      const reward = getOrThrow(env.fitReward(env.offlineRecords(trial.offlineData(ctx.budget))));
      const r = getOrThrow(
        multiStepRejectionSampling(learner, reward, ctx.rng, {
          syntheticPairs: p.syntheticPairs,
          candidates: p.candidates,
          accepted: p.accepted,
          proposal: p.proposal,
        }),
      );
      return {
        policy: r.policy,
        costs: { ...r.costs, gradientSteps: r.steps.reduce((s, x) => s + x.gradientSteps, 0) },
      };
    }),
});
