import * as E from "fp-ts/lib/Either";
import { type GshError, type Rng, invalidArgument, sigmoid } from "@gsh/core";
import {
  type MarkovPolicy,
  PreferenceDataset,
  type TabularSequencePolicy,
  type SequenceOfflineData,
  type SequenceOracle,
  type SequenceProblem,
  type PairRule,
  bigramReward,
  fitBradleyTerry,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  markovSequencePolicy,
  onlineLoop,
  policyLogProb,
  sampleFromPolicy,
  sampleReferenceSequence,
  selectPair,
  sequenceFeatures,
  sequenceReward,
  referenceLogProb,
  sequencePairs,
  winnerMinusLoser,
} from "@gsh/preference";
import { DPO, type LossSpec } from "../losses";
import {
  annealedLogWeights,
  consecutivePairs,
  defaultSchedule,
  fittedLogWeights,
  rejectionSampleWithLogAcceptance,
  samplingSizes,
  statisticalRejectionSample,
} from "../rejection-sampling";
import type { NeuralTrainOptions, SequencePair } from "./neural-types";
import { LogLinearSequencePolicy, needsReferenceGaps } from "./log-linear-sequence-policy";

/** log π0(y^w) − log π0(y^l) of each labelled pair (y = 1: `first` won): what the unnormalised hinge needs. */
function referenceGaps(
  problem: SequenceProblem,
  pairs: Pick<SequenceOfflineData, "data" | "first" | "second">,
): Float64Array {
  const L = problem.length;
  return Float64Array.from({ length: pairs.data.size }, (_, i) => {
    const x = pairs.data.context[i];
    const a = pairs.first.subarray(i * L, (i + 1) * L),
      b = pairs.second.subarray(i * L, (i + 1) * L);
    const g = referenceLogProb(problem, x, a) - referenceLogProb(problem, x, b);
    return pairs.data.label[i] === 1 ? g : -g;
  });
}

/** Labelled sequence pairs that grow: records with features, and the responses themselves. */
class SequencePairs {
  readonly data: PreferenceDataset;
  private a: Int32Array[] = [];
  private b: Int32Array[] = [];
  constructor(private readonly problem: SequenceProblem) {
    this.data = new PreferenceDataset(64, problem.dim);
  }
  push(x: number, y1: Int32Array, y2: Int32Array, label: 0 | 1): void {
    const { problem } = this;
    this.data.pushWithFeatures(x, -1, -1, label, sequenceFeatures(problem, y1), sequenceFeatures(problem, y2));
    this.a.push(Int32Array.from(y1));
    this.b.push(Int32Array.from(y2));
  }
  view(): Pick<SequenceOfflineData, "data" | "first" | "second"> {
    const L = this.problem.length;
    const first = new Int32Array(this.a.length * L),
      second = new Int32Array(this.b.length * L);
    this.a.forEach((y, i) => first.set(y, i * L));
    this.b.forEach((y, i) => second.set(y, i * L));
    return { data: this.data, first, second };
  }
  refGaps(): Float64Array {
    return referenceGaps(this.problem, this.view());
  }
}

/**
 * What the sequence practical algorithms train: the log-linear Gibbs-family policy (L-BFGS on the exact loss), seen
 * as a factored Gibbs policy, or a neural Markov policy (Adam), seen as a Markov table: both sample exactly and are
 * scored exactly by the DP.
 */
export interface SequenceLearner {
  current(): TabularSequencePolicy;
  /** Fits the policy to all pairs so far (warm start); returns the gradient steps taken. */
  fit(pairs: Pick<SequenceOfflineData, "data" | "first" | "second">, refGaps: () => Float64Array): number;
}

export function logLinearLearner(
  problem: SequenceProblem,
  options: { loss?: LossSpec; l2?: number } = {},
): SequenceLearner & { readonly policy: LogLinearSequencePolicy } {
  const policy = new LogLinearSequencePolicy(problem);
  const loss = options.loss ?? DPO;
  return {
    policy,
    current: () => gibbsSequencePolicy(policy.gibbs()),
    fit(pairs, refGaps) {
      const r = policy.train(pairs.data, {
        loss,
        l2: options.l2,
        refGaps: needsReferenceGaps(loss) ? refGaps() : undefined,
      });
      if (E.isLeft(r))
        throw new Error(r.left._tag === "InvalidArgument" ? `${r.left.field}: ${r.left.message}` : r.left._tag);
      return r.right.steps;
    },
  };
}

/** A neural model with `markovTables()` and `trainDpo` (the Markov MLP policy) as a learner. */
export function neuralLearner(
  problem: SequenceProblem,
  model: {
    markovTables(): MarkovPolicy;
    trainDpo(
      pairs: readonly SequencePair[],
      logPi0: (x: number, y: Int32Array) => number,
      rng: Rng,
      o: NeuralTrainOptions,
    ): number[];
  },
  rng: Rng,
  options: Omit<NeuralTrainOptions, "eta">,
): SequenceLearner & { losses: number[] } {
  const losses: number[] = [];
  let round = 0;
  return {
    losses,
    current: () => markovSequencePolicy(model.markovTables()),
    fit(pairs) {
      const ls = model.trainDpo(
        sequencePairs(pairs, problem.length),
        (x, y) => referenceLogProb(problem, x, y),
        rng.split(`fit/${round++}`),
        { ...options, eta: problem.eta },
      );
      losses.push(...ls);
      return ls.length;
    },
  };
}

/** Offline DPO on sequences: the learner fitted once to the offline pairs (reference π0). */
export function sequenceDpo(
  learner: SequenceLearner,
  problem: SequenceProblem,
  offline: SequenceOfflineData,
): { policy: TabularSequencePolicy; gradientSteps: number } {
  const steps = learner.fit(offline, () => referenceGaps(problem, offline));
  return { policy: learner.current(), gradientSteps: steps };
}

export interface SequenceIterativeDpoOptions {
  readonly rounds: number;
  /** Prompts (one oracle query each) per round. */
  readonly batchSize: number;
  /** n responses per prompt from the current policy (default 8). */
  readonly responses?: number;
  readonly pairRule?: PairRule;
  readonly lambda?: number;
}

/**
 * Iterative DPO on sequences (spec §5): each round, for fresh prompts draw n responses from the current policy,
 * score them with the BT estimate fitted on the oracle's labels so far, pair them by the shared `selectPair` rule
 * (best-vs-worst by default), label by the oracle (counted), then refit the learner on all pairs, reference fixed
 * to π0, warm-started. Returns the final Markov policy and one per round for the trace.
 */
export function sequenceIterativeDpo(
  learner: SequenceLearner,
  problem: SequenceProblem,
  oracle: SequenceOracle,
  rng: Rng,
  options: SequenceIterativeDpoOptions,
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
  const { rounds: T, batchSize: m } = options;
  const n = options.responses ?? 8;
  if (!(Number.isInteger(T) && T >= 1)) return E.left(invalidArgument("rounds", `must be an integer ≥ 1, got ${T}`));
  if (!(Number.isInteger(m) && m >= 1)) return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${m}`));
  if (!(Number.isInteger(n) && n >= 2)) return E.left(invalidArgument("responses", `must be an integer ≥ 2, got ${n}`));
  const { dim: d, length: L, vocab: V } = problem;
  const pairs = new SequencePairs(problem);
  let policy = learner.current();
  let theta: Float64Array = new Float64Array(d);
  let gradientSteps = 0,
    candidatesSampled = 0,
    tiedPrompts = 0;
  const cand = Array.from({ length: n }, () => new Int32Array(L));
  const scores = new Float64Array(n);
  let b: Float64Array = new Float64Array(0);
  const loop = onlineLoop(
    oracle,
    rng,
    {
      rounds: T,
      batchSize: m,
      roundKey: "round",
      pairKey: null,
      context: (r) => r.categorical(problem.contextWeights),
    },
    {
      plan: () => {
        b = bigramReward(problem, theta);
        return E.right({
          collect: (x, step) => {
            for (let j = 0; j < n; j++) {
              sampleFromPolicy(policy, x, step, cand[j]);
              scores[j] = sequenceReward(b, V, cand[j]);
            }
            candidatesSampled += n;
            const p = selectPair(scores, options.pairRule ?? "max-min", step);
            if (p === null) tiedPrompts++;
            const [i1, i2] = p ?? [0, 1];
            pairs.push(x, cand[i1], cand[i2], oracle.query(x, cand[i1], cand[i2]));
          },
        });
      },
      learn: (_t, queries) => {
        const fit = fitBradleyTerry(winnerMinusLoser(pairs.data, null), pairs.data.size, d, {
          lambda: options.lambda ?? 1,
          init: theta,
        });
        if (E.isLeft(fit)) return fit;
        theta = fit.right.theta;
        gradientSteps += learner.fit(pairs.view(), () => pairs.refGaps());
        policy = learner.current();
        return E.right<GshError, { queries: number; policy: TabularSequencePolicy }>({ queries, policy });
      },
    },
  );
  if (E.isLeft(loop)) return loop;
  const out = loop.right.trace;
  return E.right({ policy, rounds: out, gradientSteps, candidatesSampled, tiedPrompts });
}

export interface SequenceRsoOptions {
  /** Synthetic pairs to generate (default 16384); ⌈pairs/⌊k/2⌋⌉ prompts. */
  readonly syntheticPairs?: number;
  readonly candidates?: number;
  readonly accepted?: number;
}

/**
 * RSO on sequences (spec §5): a BT reward model θ̂ fitted on the offline pairs; for each of P prompts, N
 * candidates from π0 scored by r̂, k accepted by the statistical rejection sampler (target π0·e^{r̂/η}); consecutive
 * accepted samples are paired and labelled by the reward model (σ of the r̂ gap, reward-model calls, not queries);
 * the learner is fitted to those synthetic pairs.
 */
export function sequenceRso(
  learner: SequenceLearner,
  problem: SequenceProblem,
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
  const sizes = samplingSizes(options);
  if (E.isLeft(sizes)) return sizes;
  const { P, N, k } = sizes.right;
  const rm = fittedBigramReward(problem, offline);
  if (E.isLeft(rm)) return rm;
  const { score } = rm.right;
  const pairs = new SequencePairs(problem);
  let rewardModelCalls = 0;
  for (let p = 0; p < P; p++) {
    const x = rng.categorical(problem.contextWeights);
    const cands = Array.from({ length: N }, () => sampleReferenceSequence(problem, x, rng));
    const rewards = cands.map(score);
    rewardModelCalls += N;
    const acc = statisticalRejectionSample(rewards, k, problem.eta, rng);
    for (const [i, j] of consecutivePairs(acc)) {
      const y = rng.uniform() < sigmoid(rewards[i] - rewards[j]) ? 1 : 0;
      pairs.push(x, cands[i], cands[j], y);
    }
  }
  const gradientSteps = learner.fit(pairs.view(), () => pairs.refGaps());
  return E.right({
    policy: learner.current(),
    pairs: pairs.data.size,
    candidatesSampled: P * N,
    rewardModelCalls,
    gradientSteps,
  });
}

/** The BT reward model of the offline pairs as a per-bigram table (r̂(y) = Σ_t b̂(y_{t−1}, y_t)). */
function fittedBigramReward(
  problem: SequenceProblem,
  offline: SequenceOfflineData,
): E.Either<GshError, { bigram: Float64Array; score: (y: Int32Array) => number }> {
  const fit = fitBradleyTerry(winnerMinusLoser(offline.data, null), offline.data.size, problem.dim, { lambda: 1 });
  if (E.isLeft(fit)) return fit;
  const bigram = bigramReward(problem, fit.right.theta);
  return E.right({ bigram, score: (y: Int32Array) => sequenceReward(bigram, problem.vocab, y) });
}

/**
 * Multi-step rejection sampling on sequences (spec §5), with the log-linear sequence policy: anneal η₁ > … > η_K = η
 * (default 10η, √10·η, η); step i draws N candidates per prompt from the step i−1 proposal (π0 first), accepts k
 * with log-weights log π0 + r̂/η_i − log π_fit ("fitted", the practical algorithm) or (1/η_i − 1/η_{i−1})·r̂ from the
 * exact Gibbs policy of r̂ at η_{i−1} ("exact"), pairs consecutive accepted samples (reward-model labels) and fits
 * π_w ∝ π0·e^{<w,φ>/η_i} on them, warm-started.
 */
export function sequenceMultiStepRs(
  problem: SequenceProblem,
  offline: SequenceOfflineData,
  rng: Rng,
  options: SequenceRsoOptions & { schedule?: readonly number[]; proposal?: "fitted" | "exact"; loss?: LossSpec } = {},
): E.Either<
  GshError,
  { policy: TabularSequencePolicy; candidatesSampled: number; rewardModelCalls: number; gradientSteps: number }
> {
  const schedule = options.schedule ?? defaultSchedule(problem.eta);
  for (let i = 1; i < schedule.length; i++)
    if (!(schedule[i] < schedule[i - 1]))
      return E.left(invalidArgument("schedule", `must decrease strictly, got ${schedule.join(", ")}`));
  if (!schedule.every((e) => e > 0)) return E.left(invalidArgument("schedule", "every η_i must be > 0"));
  if (schedule.length === 0) return E.left(invalidArgument("schedule", "needs at least one η"));
  const sizes = samplingSizes(options);
  if (E.isLeft(sizes)) return sizes;
  const { P, N, k } = sizes.right;
  const rm = fittedBigramReward(problem, offline);
  if (E.isLeft(rm)) return rm;
  const { score, bigram } = rm.right;
  // The proposal is π0 (null) at the first step, then the last fitted (or exact Gibbs) policy.
  let proposal: TabularSequencePolicy | null = null;
  const draw = (x: number, r: Rng) => {
    const y = new Int32Array(problem.length);
    return proposal ? sampleFromPolicy(proposal, x, r, y) : sampleReferenceSequence(problem, x, r, y);
  };
  const logProposal = (x: number, y: Int32Array) =>
    proposal ? policyLogProb(problem, proposal, x, y) : referenceLogProb(problem, x, y);
  let previousEta = Infinity;
  let w: Float64Array = new Float64Array(problem.dim);
  let candidatesSampled = 0,
    rewardModelCalls = 0,
    gradientSteps = 0;
  let policy: TabularSequencePolicy | null = null;
  for (const [s, eta] of schedule.entries()) {
    const step = rng.split(`step/${s}`);
    const learner = new LogLinearSequencePolicy(problem, eta);
    learner.w = Float64Array.from(w);
    const pairs = new SequencePairs(problem);
    for (let p = 0; p < P; p++) {
      const x = step.categorical(problem.contextWeights);
      const cands = Array.from({ length: N }, () => draw(x, step));
      candidatesSampled += N;
      const r = cands.map(score);
      rewardModelCalls += N;
      const logW =
        options.proposal === "exact"
          ? annealedLogWeights(r, eta, previousEta)
          : fittedLogWeights(
              r,
              cands.map((y) => referenceLogProb(problem, x, y)),
              cands.map((y) => logProposal(x, y)),
              eta,
            );
      const acc = rejectionSampleWithLogAcceptance(logW, k, step);
      for (const [i, j] of consecutivePairs(acc))
        pairs.push(x, cands[i], cands[j], step.uniform() < sigmoid(r[i] - r[j]) ? 1 : 0);
    }
    const t = learner.train(pairs.data, { loss: options.loss ?? DPO });
    if (E.isLeft(t)) return t;
    gradientSteps += t.right.steps;
    w = learner.w;
    policy = gibbsSequencePolicy(learner.gibbs());
    proposal = options.proposal === "exact" ? gibbsSequencePolicy(factoredGibbsPolicy(problem, bigram, eta)) : policy;
    previousEta = eta;
  }
  return E.right({ policy: policy!, candidatesSampled, rewardModelCalls, gradientSteps });
}
