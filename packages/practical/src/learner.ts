import type * as E from "fp-ts/lib/Either";
import type { GshError, Policy, Rng } from "@gsh/core";
import type { PreferenceDataset, SequencePolicy } from "@gsh/preference";

// The learner abstraction the practical algorithms are written against, once for every environment kind. A
// response R is an action index on finite environments and a token sequence on sequences; what differs between the
// kinds (how prompts and responses are drawn, how pairs are stored, how a reward model is fitted and scores) is
// behind `PracticalEnvironment`, and what is trained (log-linear, tabular or neural) behind `Learner`.

/** A policy as a proposal: exact draws y ~ π(·|x) and log π(y|x). */
export interface Proposal<R> {
  sample(x: number, rng: Rng): R;
  logProb(x: number, y: R): number;
}

/** Training pairs of one environment kind, grown by the algorithms. */
export interface PairSet<R> {
  /** Appends a labelled comparison: y = 1 means `first` was preferred; y = null (a tie) carries no information. */
  add(x: number, first: R, second: R, y: 0 | 1 | null): void;
  /** What a result row records of them: the pair count (and, where the kind refuses degenerate pairs, their count). */
  diagnostics(): Record<string, number>;
}

/** A growable record of labelled comparisons as a reward model reads them (the oracle's labels, say). */
export interface ComparisonRecords<R> {
  /** The records so far. */
  readonly data: PreferenceDataset;
  /** Appends a labelled comparison (y = 1: `first` preferred). */
  push(x: number, first: R, second: R, y: 0 | 1): void;
}

/** A learned reward r̂(x, y) that counts its calls (a cost beside preference queries). */
export interface RewardEstimate<R> {
  /** The BT estimate θ̂ (r̂ = <θ̂, φ>). */
  readonly theta: Float64Array;
  readonly calls: number;
  /** r̂(x, y): one reward-model call. */
  score(x: number, y: R): number;
  /** r̂(x, y) without counting a call (the gap of two rewards already scored, for a label). */
  value(x: number, y: R): number;
  /** The exact Gibbs policy π0·e^{r̂/η} as a proposal (multi-step RS's "exact" proposal, RSO's "exact" sampler). */
  gibbs(eta: number): Proposal<R>;
}

/** The kind-specific half of a practical algorithm: prompts, π0, labelled pairs and reward models of one environment. */
export interface PracticalEnvironment<R, D, S extends PairSet<R>> {
  readonly kind: "finite" | "sequence";
  /** The KL coefficient η of the problem. */
  readonly eta: number;
  /** A prompt x ~ d0. */
  drawPrompt(rng: Rng): number;
  /** π0. */
  readonly reference: Proposal<R>;
  /** Empty training pairs. */
  pairs(): S;
  /** Offline data (`D`, as the trial context hands it out) as training pairs. */
  offlinePairs(data: D): S;
  /** Offline data's labelled comparisons as a reward model reads them. */
  offlineRecords(data: D): PreferenceDataset;
  /** An empty record of labelled comparisons (`capacity` a hint). */
  records(capacity?: number): ComparisonRecords<R>;
  /** The BT reward estimate (ridge λ, default 1) of labelled comparisons, warm-started at `init`; zero without data. */
  fitReward(
    data: PreferenceDataset,
    options?: { readonly lambda?: number; readonly init?: Float64Array },
  ): E.Either<GshError, RewardEstimate<R>>;
  /**
   * The pair used when all n candidates tie under the reward estimate (`selectPair` found none): a uniformly random
   * pair on finite environments, the first two candidates on sequences (each kind's rule since it was written).
   */
  tiedPair(scores: Float64Array, rng: Rng): readonly [number, number];
}

/** How one fit runs (every field optional: the learner's own settings otherwise). */
export interface FitOptions {
  /** The KL coefficient to fit at (default the problem's η): multi-step RS's annealed η_i. */
  readonly eta?: number;
  /** "fixed" (default): reference π0. "moving": the policy before this fit (finite learners only). */
  readonly reference?: "fixed" | "moving";
  /**
   * The learner may merge identical pairs into one weighted row (rejection samplers repeat pairs heavily); the
   * full-batch f64 finite learners do, the others train on the pairs as they are.
   */
  readonly mergeDuplicates?: boolean;
  /**
   * Records the training path where the learner's policy is a finite table (others ignore it): called at step 0
   * and after each accepted optimizer step for which `checkpoint(step)` holds, with the training objective there.
   */
  readonly onCheckpoint?: {
    readonly checkpoint: (step: number) => boolean;
    readonly record: (step: number, policy: Policy, loss: number) => void;
  };
}

/** What every learner's fit reports. */
export interface FitResult {
  /** Optimizer (gradient) steps taken. */
  readonly steps: number;
  /** What a result row records of the fit (the training metrics, refused pairs), possibly nothing. */
  readonly diagnostics: Readonly<Record<string, number>>;
}

/**
 * A trainable policy of an environment's kind (log-linear or tabular on finite environments; log-linear or neural on
 * sequences) with the environment it is trained on: what the practical algorithms are written against.
 */
export interface Learner<
  R,
  D,
  S extends PairSet<R>,
  Out extends Policy | SequencePolicy,
  F extends FitResult = FitResult,
> {
  readonly environment: PracticalEnvironment<R, D, S>;
  /** The current policy, as the environment scores it. */
  current(): Out;
  /** The current policy as a proposal (exact draws and log-probabilities). */
  proposal(): Proposal<R>;
  /** Fits the policy to the pairs (a warm start from the current parameters). */
  fit(pairs: S, options?: FitOptions): E.Either<GshError, F>;
  /** The reward w the current policy is the Gibbs policy of (π ∝ π0·exp(<w, φ>/η)), where it is one and saved. */
  rewardParameters?(): Float64Array | null;
}
