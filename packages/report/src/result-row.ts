import type { AlgorithmTrack } from "@gsh/preference";
import type { KlEstimatorStudy } from "@gsh/core";

/**
 * The result-row schema. @6 (written from 2026-12-06) adds the fields each marked "@6" at its declaration; @5 adds `track` (the track the algorithm's definition declares, so a report groups rows
 * without loading any algorithm; readers fill it in older rows from the built-in algorithms of that time); @4 adds `referenceSubopt` (suites that measure sample efficiency, and rows with a bound),
 * `trainingPath` (over-optimisation along training steps), `optimalFrontier`, `metrics.confidenceBeta`, and renames
 * `metrics.confidenceRadius` (which held the measured deviation, not a radius) to `metrics.estimationError`
 * (readers rename it in older rows); @3 adds `sentences` (text environments), `klEstimators` and `overOptimization` (suites that ask), `confidenceWidths`; @2 adds `suiteFingerprint` (the grid a row belongs to), the ok | failed union with the
 * failure's `errorTag`, and the sequence/non-transitive metric fields; readers accept @1 rows (written before it).
 */
export const RESULT_SCHEMA = "gsh/result-row@6" as const;
export type ResultSchema =
  | "gsh/result-row@1"
  | "gsh/result-row@2"
  | "gsh/result-row@3"
  | "gsh/result-row@4"
  | "gsh/result-row@5"
  | typeof RESULT_SCHEMA;

/** One sampled response as text, with its mean word valence and its exact reward r*(y). */
export interface TextSample {
  readonly prompt: number;
  readonly text: string;
  readonly valence: number;
  readonly reward: number;
}

/** Exact expectations per sentence under a policy, by the DP (not of the printed samples). */
export interface SentenceExpectation {
  /** E r*(y). */
  readonly reward: number;
  /** E[Σ_t AFINN(y_t)]: the sentence's expected AFINN-165 total. */
  readonly valence: number;
  /** E[number of words with a positive AFINN score]. */
  readonly positiveWords: number;
}

/**
 * One line of results.jsonl: one trial (environment × algorithm × budget × seed), its exact metrics computed from the
 * truth at the environment boundary, and where it came from.
 */
export interface RowBase {
  readonly schema: ResultSchema;
  /** `suiteFingerprint` of the suite that wrote it (absent in @1 rows). */
  readonly suiteFingerprint?: string;
  /** Stable id: `${environment}|${algorithm}|${budget}|${seed}` (labels from the suite). */
  readonly trialId: string;
  readonly suite: string;
  readonly environment: string;
  readonly environmentName: string;
  readonly environmentId: string;
  readonly environmentVersion: number;
  readonly environmentParams: Record<string, unknown>;
  readonly algorithm: string;
  readonly algorithmName: string;
  readonly algorithmParams: Record<string, unknown>;
  /** The algorithm's track, as its definition declares it (@5; readers fill it in older rows). */
  readonly track?: AlgorithmTrack;
  readonly budget: number;
  readonly seed: number;
  readonly diagnostics?: Record<string, number | string | boolean | null>;
  /** Wall time of the trial in ms (not part of the reproducible content). */
  readonly wallMs: number;
  readonly gshVersion: string;
}

export interface OkRow extends RowBase {
  readonly status: "ok";
  readonly metrics: TrialMetrics;
  /** Per-iteration exact metrics of the algorithm's trace (online algorithms). */
  readonly trace?: readonly {
    readonly queries: number;
    readonly subopt: number | null;
    readonly trueReward: number | null;
    readonly klToReference: number;
  }[];
  /**
   * Text environments: one sampled sentence for each of the first five prompts from the trained policy, from π0 and
   * from π*, drawn with the same random streams in every row (common random numbers), so rows compare side by side.
   */
  readonly sentences?: {
    readonly policy: readonly TextSample[];
    readonly reference: readonly TextSample[];
    readonly optimal: readonly TextSample[];
    /** Exact SubOpt and KL to π0 of π0 and π*, for the rows printed beside the policy's. */
    readonly referenceMetrics: { readonly subopt: number; readonly klToReference: number };
    readonly optimalMetrics: { readonly subopt: number; readonly klToReference: number };
    /**
     * @6: exact expectations per sentence (by the DP, not of the samples) under π0, π* and the policy (`policy` absent
     * for a Monte-Carlo policy); rows from @6 on also carry ten samples per policy, not five.
     */
    readonly expected?: {
      readonly reference: SentenceExpectation;
      readonly optimal: SentenceExpectation;
      readonly policy?: SentenceExpectation;
    };
  };
  /** The k1, k2, k3 estimators of KL(π‖π0) against the exact `metrics.klToReference`: bias and sd per sample size. */
  readonly klEstimators?: KlEstimatorStudy;
  /**
   * The theory's radius β(δ) (`confidenceWidth`, c = 1) at δ = 0.5, 0.1, 0.05, for algorithms that report a
   * confidence set with its λ: with `metrics.estimationError` (the measured ‖θ̂ − θ*‖_Σ) the report checks coverage.
   */
  readonly confidenceWidths?: readonly { readonly delta: number; readonly beta: number }[];
  /**
   * The exact SubOpt(π0) of this trial's instance (environments with r*). @6: in every such row (before, only in
   * suites that measure sample efficiency and rows with a bound): the report's headline is the share of it closed.
   */
  readonly referenceSubopt?: number;
  /**
   * The exact frontier of this instance: π0·exp(r* / η') for η' = η·factor, with its exact KL(π‖π0) and E r*; factor 1
   * is π*. No policy has a higher true reward at the same KL.
   */
  readonly optimalFrontier?: {
    readonly factor: readonly number[];
    readonly kl: readonly number[];
    readonly reward: readonly number[];
  };
  /** Suites that ask, algorithms with a fitted θ̂: gold and proxy reward and KL of π0·exp(r̂/η') over a sweep of η'. */
  readonly overOptimization?: OverOptimization;
  /** Algorithms that report it: the training loss at checkpoint steps (no truth needed; always recorded). */
  readonly trainingLoss?: { readonly step: readonly number[]; readonly loss: readonly number[] };
  /** @6: algorithms that hold pairs out (the neural learners): the held-out loss at each evaluation step (0 = before training). */
  readonly heldOutLoss?: { readonly step: readonly number[]; readonly loss: readonly number[] };
  /**
   * @6: algorithms that report it (the neural learners): at each evaluation step, the mean log π/π0 of the training
   * pairs' chosen and rejected responses, and the probability mass on responses in no pair (exact).
   */
  readonly likelihoodDisplacement?: {
    readonly step: readonly number[];
    readonly chosen: readonly number[];
    readonly rejected: readonly number[];
    readonly unseenMass: readonly number[];
  };
  /** Suites that ask, algorithms that report their training path: KL, gold and proxy reward per checkpoint. */
  readonly trainingPath?: TrainingPathOverOptimization;
  /**
   * @6: suites that ask (`coverage`), algorithms that drew offline data (on sequences: whose policy is a Markov table or
   * a factored Gibbs policy): how the data cover π* and π.
   */
  readonly coverage?: CoverageDiagnostics;
}

/** @6: coverage of π* and of the trained policy by a trial's offline data (exact sums over the X·A table). */
export interface CoverageDiagnostics {
  /** Records drawn (the largest of the algorithm's draws, which are nested). */
  readonly records: number;
  /** The behaviour policy the records were sampled from (both responses of a record). */
  readonly behaviour: string;
  /** π* against the data: max π* ÷ μ, E_{π*}[π* ÷ μ] = 1 + χ²(π*‖μ), and π*'s mass on responses in no record. */
  readonly optimal: CoverageOfPolicy;
  /** The trained policy against the data, the same three numbers. */
  readonly policy: CoverageOfPolicy;
  /** π0's mass on responses in no record: the policy's unseen mass minus this is what training moved there. */
  readonly referenceUnseenMass: number;
}

/** @6: one policy's coverage by a dataset (see `CoverageDiagnostics`). */
export interface CoverageOfPolicy {
  readonly maxDensityRatio: number;
  readonly chi2Coverage: number;
  readonly unseenMass: number;
}

export interface FailedRow extends RowBase {
  readonly status: "failed";
  /** What went wrong: a throw, an invalid policy, a timeout, a crash, a budget overrun. */
  readonly error: string;
  /** The `GshError` tag when the algorithm failed with one, or the runner's cause ("Timeout", "OverBudget", …). */
  readonly errorTag?: string;
}

export type ResultRow = OkRow | FailedRow;

export interface TrialMetrics {
  /** J(π*) − J(π) = η·E_x KL(π‖π*); null where no r* exists (non-transitive preferences). */
  readonly subopt: number | null;
  readonly objective: number | null;
  readonly optimalObjective: number | null;
  readonly trueReward: number | null;
  readonly klToReference: number;
  /**
   * True when the metrics are Monte-Carlo estimates (full-prefix sequence policies): unbiased means over
   * `samplesPerPrompt` draws per prompt, with 95% half-widths in `ci95`. Absent in rows written before it existed.
   */
  readonly estimated?: boolean;
  readonly samplesPerPrompt?: number;
  readonly ci95?: {
    readonly subopt: number;
    readonly trueReward: number;
    readonly klToReference: number;
    readonly objective: number;
  } | null;
  /** Non-transitive environments: E_x P(π ≻ π0) and P(π ≻ π0's most likely action). */
  readonly winRateVsReference?: number;
  readonly winRateVsReferenceMode?: number;
  /** Preference queries, counted by the runner's oracle (offline data included). */
  readonly queries: number;
  readonly candidatesSampled: number;
  readonly rewardModelCalls: number;
  readonly gradientSteps: number;
  /**
   * The confidence set's radius β (the algorithm's, as it reported it), the measured estimation error ‖θ̂ − θ*‖_Σ
   * (θ* projected onto the directions BT identifies, see `identifiedProjection`), and whether the confidence event
   * ‖θ̂ − θ*‖_Σ ≤ β held; null when the algorithm reports no confidence set or no θ* exists.
   */
  readonly confidenceBeta: number | null;
  readonly estimationError: number | null;
  readonly confidenceHeld: boolean | null;
  /**
   * The algorithm's guarantee RHS for the comparator π*, when it has one: SubOpt ≤ boundRhs holds when the confidence
   * event held (`confidenceHeld`); otherwise the bound is void for this trial.
   */
  readonly boundRhs: number | null;
}

/** The row without its timing, for reproducibility checks. */
export function reproducibleContent(row: ResultRow): Omit<OkRow, "wallMs"> | Omit<FailedRow, "wallMs"> {
  const { wallMs: _w, ...rest } = row;
  return rest;
}

/**
 * Reward over-optimisation, exactly: for the fitted reward r̂ = <θ̂, φ> of a trial, the Gibbs policies
 * π_{η'} ∝ π0·exp(r̂/η') over a sweep of η', each with its exact KL(π‖π0), gold reward E_π r* and proxy reward
 * E_π r̂. As η' falls the proxy rises monotonically; the gold reward peaks and falls where r̂ is wrong
 * (Gao et al. 2023 measure the same curve against a gold reward model).
 */
export interface OverOptimization {
  readonly eta: readonly number[];
  readonly kl: readonly number[];
  readonly gold: readonly number[];
  readonly proxy: readonly number[];
}

/**
 * Over-optimisation along a training run (DPO's steps): for each checkpoint policy π_k, its exact KL(π_k‖π0), gold
 * reward E r* and proxy reward E r̂, where r̂ = η·log(π_final/π0) is the implicit reward of the trained policy (the
 * reward a DPO practitioner's "rewards/chosen" logs; on the log-linear policy it is the BT MLE up to a per-context
 * shift, which leaves E_π r̂ − E_π0 r̂ unchanged). Gold and proxy are reported relative to π0's.
 */
export interface TrainingPathOverOptimization {
  readonly step: readonly number[];
  readonly kl: readonly number[];
  readonly gold: readonly number[];
  readonly proxy: readonly number[];
}
