import * as E from "fp-ts/lib/Either";
import { type GshError, type Rng, GshException, invalidArgument } from "@gsh/core";
import {
  type MarkovPolicy,
  PreferenceDataset,
  type SequencePolicy,
  type TabularSequencePolicy,
  type SequenceOfflineData,
  type SequenceProblem,
  bigramReward,
  fitBradleyTerry,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  markovSequencePolicy,
  policyLogProb,
  sampleFromPolicy,
  sequenceFeatures,
  sequenceReward,
  referenceLogProb,
  sequencePairs,
  winnerMinusLoser,
} from "@gsh/preference";
import type { FitResult, Learner, PairSet, PracticalEnvironment, Proposal, RewardEstimate } from "../learner";
import { DPO, type LossSpec } from "../losses";
import type { NeuralRuns, NeuralTrainOptions, NeuralTrainingRun, SequencePair } from "./neural-types";
import { LogLinearSequencePolicy, needsReferenceGaps } from "./log-linear-sequence-policy";
import { referenceSampler } from "./exact-samplers";

/** Labelled sequence pairs as offline data holds them: records with features, responses concatenated (L tokens each). */
export type SequencePairsView = Pick<SequenceOfflineData, "data" | "first" | "second">;

/** log π0(y^w) − log π0(y^l) of each labelled pair (y = 1: `first` won): what the unnormalised hinge needs. */
function referenceGaps(problem: SequenceProblem, pairs: SequencePairsView): Float64Array {
  const L = problem.length;
  return Float64Array.from({ length: pairs.data.size }, (_, i) => {
    const x = pairs.data.context[i];
    const a = pairs.first.subarray(i * L, (i + 1) * L),
      b = pairs.second.subarray(i * L, (i + 1) * L);
    const g = referenceLogProb(problem, x, a) - referenceLogProb(problem, x, b);
    return pairs.data.label[i] === 1 ? g : -g;
  });
}

/**
 * Labelled sequence pairs: records with features (what the log-linear policy and reward models read) and the
 * responses themselves (what neural policies read). Grown by `add`, or a read-only view of offline data.
 */
export class SequencePairs implements PairSet<Int32Array> {
  readonly data: PreferenceDataset;
  private readonly a: Int32Array[] = [];
  private readonly b: Int32Array[] = [];
  private refused = 0;

  constructor(
    private readonly problem: SequenceProblem,
    private readonly offline?: SequencePairsView,
  ) {
    this.data = offline?.data ?? new PreferenceDataset(64, problem.dim);
  }

  add(x: number, first: Int32Array, second: Int32Array, y: 0 | 1 | null): void {
    if (this.offline) throw new GshException(invalidArgument("pairs", "offline pairs are read-only"));
    if (y === null) {
      this.refused++;
      return;
    }
    const { problem } = this;
    this.data.pushWithFeatures(x, -1, -1, y, sequenceFeatures(problem, first), sequenceFeatures(problem, second));
    this.a.push(Int32Array.from(first));
    this.b.push(Int32Array.from(second));
  }

  /** The pairs as offline data reads (responses concatenated, L tokens each). */
  view(): SequencePairsView {
    if (this.offline) return this.offline;
    const L = this.problem.length;
    const first = new Int32Array(this.a.length * L),
      second = new Int32Array(this.b.length * L);
    this.a.forEach((y, i) => first.set(y, i * L));
    this.b.forEach((y, i) => second.set(y, i * L));
    return { data: this.data, first, second };
  }

  /** log π0(y^w) − log π0(y^l) per pair. */
  refGaps(): Float64Array {
    return referenceGaps(this.problem, this.view());
  }

  diagnostics(): Record<string, number> {
    return { pairs: this.data.size, ...(this.refused > 0 ? { refusedPairs: this.refused } : {}) };
  }
}

/** A tabular sequence policy (Markov table or factored Gibbs) as a proposal. */
export function sequenceProposal(problem: SequenceProblem, policy: TabularSequencePolicy): Proposal<Int32Array> {
  return {
    sample: (x, rng) => sampleFromPolicy(policy, x, rng, new Int32Array(problem.length)),
    logProb: (x, y) => policyLogProb(problem, policy, x, y),
  };
}

/** The BT reward model of sequence pairs as a per-bigram table (r̂(y) = Σ_t b̂(y_{t−1}, y_t)), counting its calls. */
export class SequenceRewardModel implements RewardEstimate<Int32Array> {
  calls = 0;
  readonly bigram: Float64Array;

  constructor(
    readonly problem: SequenceProblem,
    readonly theta: Float64Array,
  ) {
    this.bigram = bigramReward(problem, theta);
  }

  score(_x: number, y: Int32Array): number {
    this.calls++;
    return sequenceReward(this.bigram, this.problem.vocab, y);
  }

  value(_x: number, y: Int32Array): number {
    return sequenceReward(this.bigram, this.problem.vocab, y);
  }

  gibbs(eta: number): Proposal<Int32Array> {
    return sequenceProposal(this.problem, gibbsSequencePolicy(factoredGibbsPolicy(this.problem, this.bigram, eta)));
  }
}

export type SequenceEnvironment = PracticalEnvironment<Int32Array, SequenceOfflineData, SequencePairs>;

/**
 * The sequence half of the practical algorithms: prompts by `categorical(d0)`, π0 by its Markov walk, pairs with
 * features and responses, the BT reward model on the bigram features.
 */
export function sequenceEnvironment(problem: SequenceProblem): SequenceEnvironment {
  return {
    kind: "sequence",
    eta: problem.eta,
    drawPrompt: (rng) => rng.categorical(problem.contextWeights),
    // π0's draws are `sampleReferenceSequence`'s, from tables built once per problem where they pay (large V)
    reference: {
      sample: (x, rng) => referenceSampler(problem)(x, rng),
      logProb: (x, y) => referenceLogProb(problem, x, y),
    },
    pairs: () => new SequencePairs(problem),
    offlinePairs: (data) => new SequencePairs(problem, data),
    offlineRecords: (data) => data.data,
    records(capacity = 64) {
      const data = new PreferenceDataset(capacity, problem.dim);
      return {
        data,
        push: (x, y1, y2, y) =>
          data.pushWithFeatures(x, -1, -1, y, sequenceFeatures(problem, y1), sequenceFeatures(problem, y2)),
      };
    },
    fitReward(data, options = {}) {
      if (data.size === 0) return E.right(new SequenceRewardModel(problem, new Float64Array(problem.dim)));
      const fit = fitBradleyTerry(winnerMinusLoser(data, null), data.size, problem.dim, {
        lambda: options.lambda ?? 1,
        init: options.init,
      });
      return E.isLeft(fit) ? fit : E.right(new SequenceRewardModel(problem, fit.right.theta));
    },
    tiedPair: () => [0, 1],
  };
}

const fixedReference = (reference: string | undefined): E.Either<GshError, void> =>
  reference === "moving"
    ? E.left(invalidArgument("reference", "on sequences the reference is fixed to π0"))
    : E.right(undefined);

/** A sequence learner: what the practical algorithms train on a sequence environment. */
export type SequenceLearner<Out extends SequencePolicy = TabularSequencePolicy> = Learner<
  Int32Array,
  SequenceOfflineData,
  SequencePairs,
  Out
>;

/**
 * The log-linear Gibbs-family sequence policy π_w ∝ π0·exp(<w, φ>/η) (L-BFGS on the exact loss, Adam for hinge
 * losses) as a learner, seen as a factored Gibbs policy (sampled exactly, scored exactly by the DP). A fit at another
 * η (multi-step RS's η_i) re-parametrizes at that η, warm-started from the current w.
 */
export function logLinearLearner(
  problem: SequenceProblem,
  options: { loss?: LossSpec; l2?: number } = {},
): SequenceLearner & { readonly model: LogLinearSequencePolicy } {
  let model = new LogLinearSequencePolicy(problem);
  const loss = options.loss ?? DPO;
  const current = () => gibbsSequencePolicy(model.gibbs());
  return {
    environment: sequenceEnvironment(problem),
    get model() {
      return model;
    },
    current,
    proposal: () => sequenceProposal(problem, current()),
    fit(pairs, o = {}) {
      const fixed = fixedReference(o.reference);
      if (E.isLeft(fixed)) return fixed;
      const eta = o.eta ?? problem.eta;
      if (eta !== model.eta) {
        const next = new LogLinearSequencePolicy(problem, eta);
        next.w = Float64Array.from(model.w);
        model = next;
      }
      const r = model.train(pairs.data, {
        loss,
        l2: options.l2,
        refGaps: needsReferenceGaps(loss) ? pairs.refGaps() : undefined,
      });
      return E.isLeft(r) ? r : E.right<GshError, FitResult>({ steps: r.right.steps, diagnostics: {} });
    },
  };
}

/** A neural sequence policy (a "@gsh/practical/neural" model) as far as a learner needs it. */
export interface NeuralSequenceModel {
  trainDpo(
    pairs: readonly SequencePair[],
    logPi0: (x: number, y: Int32Array) => number,
    rng: Rng,
    o: NeuralTrainOptions,
  ): NeuralTrainingRun;
}

/**
 * A neural sequence policy as a learner: each fit trains DPO (reference π0) on all pairs under `options.training`,
 * minibatches drawn from `rng.split("fit/<i>")` for the i-th fit (or from `rng` itself with `sharedStream`); `runs`
 * holds each fit's record. The policy is the Markov MLP's exact table (`markovTables()`) unless `current` says otherwise
 * (a sampler policy, scored by Monte Carlo, for the recurrent model).
 */
export function neuralLearner<Out extends SequencePolicy = TabularSequencePolicy>(
  problem: SequenceProblem,
  model: NeuralSequenceModel & { markovTables?(): MarkovPolicy },
  rng: Rng,
  options: Omit<NeuralTrainOptions, "eta"> & { readonly sharedStream?: boolean; readonly current?: () => Out },
): SequenceLearner<Out> & NeuralRuns {
  const runs: NeuralTrainingRun[] = [];
  let round = 0;
  const { sharedStream, current: currentOf, ...train } = options;
  const current =
    currentOf ??
    (() => {
      if (!model.markovTables)
        throw new GshException(invalidArgument("model", "a neural learner needs markovTables() or `current`"));
      return markovSequencePolicy(model.markovTables()) as Out;
    });
  return {
    environment: sequenceEnvironment(problem),
    runs,
    current,
    proposal() {
      const policy = current();
      if (policy.kind !== "markov" && policy.kind !== "gibbs")
        throw new GshException(invalidArgument("policy", `a '${policy.kind}' policy is not a proposal`));
      return sequenceProposal(problem, policy);
    },
    fit(pairs, o = {}) {
      const fixed = fixedReference(o.reference);
      if (E.isLeft(fixed)) return fixed;
      const run = model.trainDpo(
        sequencePairs(pairs.view(), problem.length),
        (x, y) => referenceLogProb(problem, x, y),
        sharedStream ? rng : rng.split(`fit/${round++}`),
        { ...train, eta: o.eta ?? problem.eta },
      );
      runs.push(run);
      return E.right({ steps: run.trainLoss.length, diagnostics: {} });
    },
  };
}
