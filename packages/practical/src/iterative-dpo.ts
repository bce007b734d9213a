import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, type Rng, getOrThrow, invalidArgument } from "@gsh/core";
import {
  type BanditProblem,
  type Oracle,
  type PairRule,
  type PreferenceDataset,
  type PreferenceOracle,
  type SequenceOracle,
  type SequencePolicy,
  type SequenceProblem,
  type TabularSequencePolicy,
  type AlgorithmOutput,
  defineAlgorithm,
  onlineLoop,
  selectPair,
  splitBudget,
  z,
} from "@gsh/preference";
import { banditLearner } from "./finite";
import type { FitResult, Learner, PairSet } from "./learner";
import type { LossSpec } from "./losses";
import { ALL_KINDS, iterativeParams, lossKind, lossOf, policyClass, policyUnsupported } from "./params";
import type { PolicyClass } from "./policy-factory";
import type { TrainablePolicy, TrainingMetrics } from "./policies";
import { rewardLabel } from "./reward-model";
import type { SequenceLearner } from "./sequence/sequence-learner";
import { type TrainResult } from "./train";
import { withLearner } from "./trial-learner";

/** Iterative DPO's rounds, batch, pair rule, labels and reference. */
export interface IterativeDpoOptions {
  /** T rounds. */
  readonly rounds: number;
  /** Prompts per round (one labelled pair each). */
  readonly batchSize: number;
  /** Prompts of one final, smaller round after the T (0 ≤ r < batchSize, default 0): a budget B is T·⌊B/T⌋ + B mod T. */
  readonly finalBatchSize?: number;
  /** Responses sampled per prompt from the current policy (default n = 8). */
  readonly responses?: number;
  /** Pair rule over the n responses, scored by the current reward estimate (default "max-min": best-vs-worst). */
  readonly pairRule?: PairRule;
  /** "oracle" (default): each pair costs one query. "reward-model": pairs are labelled by the current BT estimate. */
  readonly labels?: "oracle" | "reward-model";
  /** "fixed" (default, the authors' choice): reference π0 in every round. "moving": the previous round's policy. */
  readonly reference?: "fixed" | "moving";
  /** Oracle-labelled π0 pairs used to fit the reward model before round 1 (needed when labels = "reward-model"). */
  readonly warmupData?: PreferenceDataset;
  /** The reward estimate's ridge λ (default 1). */
  readonly lambda?: number;
  /** Deprecated bandit form only (the learner carries them otherwise). */
  readonly loss?: LossSpec;
  readonly policyClass?: PolicyClass;
  readonly l2?: number;
}

/** One round of iterative DPO: the policy after it and the queries so far. */
export interface IterativeDpoRound<Out = Policy, F extends FitResult = FitResult> {
  readonly round: number;
  readonly queries: number;
  readonly policy: Out;
  /** The round's fit. */
  readonly train: F;
  /** Prompts whose n responses all tied under the reward estimate (flagged; the kind's tie rule picked the pair). */
  readonly tiedPrompts: number;
}

/** Iterative DPO's result: the final policy, one entry per round (for the trace), and its costs beside queries. */
export interface IterativeDpoRun<Out, F extends FitResult = FitResult> {
  readonly policy: Out;
  readonly rounds: readonly IterativeDpoRound<Out, F>[];
  readonly queries: number;
  readonly rewardModelCalls: number;
  readonly gradientSteps: number;
  readonly candidatesSampled: number;
  readonly tiedPrompts: number;
}

/** The deprecated bandit form's result. */
export interface IterativeDpoResult {
  readonly policy: TrainablePolicy;
  readonly rounds: readonly (IterativeDpoRound<Policy, TrainResult & FitResult> & {
    readonly metrics: TrainingMetrics;
  })[];
  readonly queries: number;
  readonly rewardModelCalls: number;
  readonly gradientSteps: number;
  readonly candidatesSampled: number;
}

/**
 * Iterative DPO (online/hybrid GSHF in practice, spec §5), for every environment kind: for t = 1..T, draw fresh
 * prompts, n responses each from the current policy, score them with the current reward estimate (the BT MLE on all
 * oracle labels so far), pick a pair by the shared `selectPair` rule, label it (oracle or reward model), then fit the
 * learner on all pairs with reference π0 (or a moving reference), warm-started from the previous round.
 *
 * @example
 * const r = getOrThrow(iterativeDpo(banditLearner(problem), oracle, rng, { rounds: 3, batchSize: 100 }));
 */
export function iterativeDpo<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  oracle: Oracle<R>,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<GshError, IterativeDpoRun<Out, F>>;
/** @deprecated use `iterativeDpo(banditLearner(problem, { policyClass, loss, l2 }), oracle, rng, options)` */
export function iterativeDpo(
  problem: BanditProblem,
  oracle: PreferenceOracle,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<GshError, IterativeDpoResult>;
export function iterativeDpo(
  target: BanditProblem | Learner<unknown, unknown, PairSet<unknown>, Policy | SequencePolicy, FitResult>,
  oracle: Oracle<unknown>,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<GshError, IterativeDpoRun<unknown, FitResult> | IterativeDpoResult> {
  if ("fit" in target) return run(target, oracle, rng, options);
  const learner = banditLearner(target, { policyClass: options.policyClass, loss: options.loss, l2: options.l2 });
  const r = run(learner, oracle as PreferenceOracle, rng, options);
  if (E.isLeft(r)) return r;
  return E.right({
    ...r.right,
    policy: learner.model,
    rounds: r.right.rounds.map((x) => ({ ...x, metrics: x.train.metrics })),
  });
}

function run<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  oracle: Oracle<R>,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<GshError, IterativeDpoRun<Out, F>> {
  const { rounds: T, batchSize: m } = options;
  if (!(Number.isInteger(T) && T >= 1)) return E.left(invalidArgument("rounds", `must be an integer ≥ 1, got ${T}`));
  if (!(Number.isInteger(m) && m >= 1)) return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${m}`));
  const n = options.responses ?? 8;
  if (!(Number.isInteger(n) && n >= 2))
    return E.left(invalidArgument("responses", `need n ≥ 2 responses per prompt, got ${n}`));
  const rewardLabels = options.labels === "reward-model";
  if (rewardLabels && !options.warmupData)
    return E.left(invalidArgument("warmupData", "reward-model labels need oracle-labelled warm-up data"));
  const env = learner.environment;
  const oracleData = env.records(T * m + (options.finalBatchSize ?? 0) + (options.warmupData?.size ?? 0));
  if (options.warmupData) oracleData.data.append(options.warmupData);
  const pairs = env.pairs();
  const fitReward = (init?: Float64Array) => env.fitReward(oracleData.data, { lambda: options.lambda, init });
  const first = fitReward();
  if (E.isLeft(first)) return first;
  let reward = first.right;
  let rmCalls = 0,
    gradientSteps = 0,
    candidatesSampled = 0,
    tiedPrompts = 0;
  let tied = 0;
  let callsBefore = 0;
  const cand = new Array<R>(n);
  const scores = new Float64Array(n);
  const loop = onlineLoop(
    oracle,
    rng,
    {
      rounds: T,
      batchSize: m,
      finalBatchSize: options.finalBatchSize ?? 0,
      roundKey: "round",
      pairKey: null,
      context: (r) => env.drawPrompt(r),
    },
    {
      plan: () => {
        const proposal = learner.proposal();
        tied = 0;
        callsBefore = reward.calls;
        return E.right({
          collect: (x, roundRng) => {
            for (let j = 0; j < n; j++) {
              cand[j] = proposal.sample(x, roundRng);
              scores[j] = reward.score(x, cand[j]);
            }
            candidatesSampled += n;
            let pick: readonly [number, number] | null = selectPair(scores, options.pairRule ?? "max-min", roundRng);
            if (pick === null) {
              tied++;
              pick = env.tiedPair(scores, roundRng);
            }
            const [i1, i2] = pick;
            if (rewardLabels) pairs.add(x, cand[i1], cand[i2], rewardLabel(scores[i1] - scores[i2], roundRng));
            else {
              const y = oracle.query(x, cand[i1], cand[i2]);
              oracleData.push(x, cand[i1], cand[i2], y);
              pairs.add(x, cand[i1], cand[i2], y);
            }
          },
        });
      },
      learn: (t, queries) => {
        rmCalls += reward.calls - callsBefore;
        tiedPrompts += tied;
        const tr = learner.fit(pairs, { reference: options.reference });
        if (E.isLeft(tr)) return tr;
        gradientSteps += tr.right.steps;
        if (!rewardLabels) {
          const refit = fitReward(reward.theta);
          if (E.isLeft(refit)) return refit;
          reward = refit.right;
        }
        return E.right<GshError, IterativeDpoRound<Out, F>>({
          round: t + 1,
          queries,
          policy: learner.current(),
          train: tr.right,
          tiedPrompts: tied,
        });
      },
    },
  );
  if (E.isLeft(loop)) return loop;
  const rounds = loop.right.trace;
  return E.right({
    policy: rounds[rounds.length - 1].policy,
    rounds,
    queries: loop.right.queries,
    rewardModelCalls: rmCalls,
    gradientSteps,
    candidatesSampled,
    tiedPrompts,
  });
}

/** @deprecated use `IterativeDpoOptions` */
export type SequenceIterativeDpoOptions = IterativeDpoOptions;

/** @deprecated use `iterativeDpo(learner, oracle, rng, options)` (one function for every environment kind) */
export function sequenceIterativeDpo(
  learner: SequenceLearner,
  _problem: SequenceProblem,
  oracle: SequenceOracle,
  rng: Rng,
  options: IterativeDpoOptions,
): E.Either<
  GshError,
  {
    policy: TabularSequencePolicy;
    rounds: readonly { queries: number; policy: TabularSequencePolicy }[];
    gradientSteps: number;
    candidatesSampled: number;
    tiedPrompts: number;
  }
> {
  return iterativeDpo(learner, oracle, rng, options);
}

/** Iterative DPO on a trial: ⌊budget/T⌋ prompts a round; the row's costs, trace and tied prompts. */
export function iterativeDpoOutput<Out extends Policy | SequencePolicy, F extends FitResult>(
  sequence: boolean,
  r: IterativeDpoRun<Out, F>,
): AlgorithmOutput {
  return {
    policy: r.policy,
    trace: r.rounds.map((x) => ({ queries: x.queries, policy: x.policy })),
    costs: {
      candidatesSampled: r.candidatesSampled,
      // Not reported on sequences (rows before the merge did not count them there): kept so rows stay identical.
      ...(sequence ? {} : { rewardModelCalls: r.rewardModelCalls }),
      gradientSteps: r.gradientSteps,
    },
    diagnostics: { tiedPrompts: r.tiedPrompts },
  };
}

/** The `iterative-dpo` algorithm on every environment kind (log-linear or tabular on finite ones). */
export const iterativeDpoAlgorithm = defineAlgorithm({
  name: "iterative-dpo",
  track: "practical",
  description:
    "iterative DPO: T rounds of ⌊budget/T⌋ prompts (then budget mod T in a final round), n responses per prompt from the current policy, best-vs-worst under the BT estimate, oracle labels, reference π0",
  params: z
    .object({
      ...iterativeParams,
      reference: z.enum(["fixed", "moving"]).default("fixed"),
      loss: lossKind,
      policy: policyClass,
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) =>
    policyUnsupported(shape, p.policy) ??
    (shape.kind === "sequence" && p.reference !== "fixed" ? "on sequences the reference is fixed to π0" : null),
  run(ctx, p) {
    const { batchSize, finalBatchSize } = splitBudget(ctx.budget, p.rounds);
    if (ctx.kind === "sequence" && p.reference !== "fixed")
      throw new Error("on sequences the reference is fixed to π0");
    return withLearner(ctx, { policy: p.policy, loss: lossOf(p.loss) }, (learner, trial) =>
      iterativeDpoOutput(
        ctx.kind === "sequence",
        getOrThrow(
          iterativeDpo(learner, trial.oracle, ctx.rng, {
            rounds: p.rounds,
            batchSize,
            finalBatchSize,
            responses: p.responses,
            pairRule: p.pairRule,
            reference: p.reference,
          }),
        ),
      ),
    );
  },
});
