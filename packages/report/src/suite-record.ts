/**
 * What a report reads of a suite (its suite.json): names, the paired comparisons, the sample-efficiency settings, the
 * entries' labels (for order) and, for a merged or sharded directory, which part of the suite it holds. @gsh/bench's
 * validated `Suite` and its `SuiteRecord` are of this shape; the report needs nothing else from the runner.
 */
export interface ReportSuite {
  readonly name: string;
  readonly description?: string;
  readonly comparisons?: readonly Comparison[];
  readonly sampleEfficiency?: SampleEfficiencySpec;
  readonly environments?: readonly SuiteLabel[];
  readonly algorithms?: readonly SuiteLabel[];
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** Set by `gsh merge --allow-partial`: how many of the suite's trials the directory holds. */
  readonly partial?: { readonly have: number; readonly of: number } | null;
  /** The code that ran it (gsh version, git commit and whether the checkout was dirty). */
  readonly code?: { readonly gshVersion?: string; readonly commit?: string | null; readonly dirty?: boolean };
  /** Where and when the (last) run started; absent in directories written before 2026-12-06. */
  readonly machine?: RunMachine;
}

/** The machine a run started on, for the report's header. */
export interface RunMachine {
  /** ISO time the run started. */
  readonly startedAt: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly workers: number;
}

/** An entry of a suite, as far as a report orders by it. */
export interface SuiteLabel {
  readonly label?: string;
  readonly name?: string;
}

/** A paired comparison: A beats B on SubOpt by the verdict rule (labels refer to algorithms). */
export interface Comparison {
  readonly a: string;
  readonly b: string;
  readonly environments?: readonly string[];
  readonly note?: string;
  /** The side the paper's claim expects to win; "none" (or absent, in suites written before) claims nothing. */
  readonly expected?: "A" | "B" | "none";
}

/** Queries to reach SubOpt ≤ ε·SubOpt(π0), ε in `epsilons`, and the ratio against `baseline` (an algorithm label). */
export interface SampleEfficiencySpec {
  readonly epsilons: readonly number[];
  readonly baseline: string;
  readonly resamples: number;
}
