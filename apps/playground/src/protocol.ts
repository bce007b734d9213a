// Messages between the page (main.ts) and the worker that runs gsh (worker/worker.ts). The page holds no gsh code:
// it asks the worker for the catalogue (names, descriptions, default parameters from the same zod schemas the CLI
// validates suites with), sends run specifications and receives result rows (gsh/result-row@6, as `gsh bench`
// writes them).

/** An environment or algorithm entry of a run, before its parameters are validated. */
export interface EntrySpec {
  readonly label: string;
  readonly name: string;
  readonly params: Record<string, unknown>;
}

/** One run: an environment, one or two algorithms, one budget, the seeds: a suite of |algorithms|·|seeds| trials. */
export interface RunSpec {
  readonly environment: EntrySpec;
  readonly algorithms: readonly EntrySpec[];
  readonly budget: number;
  readonly seeds: readonly number[];
}

export interface CatalogueEntry {
  readonly name: string;
  readonly description: string;
  /** Parameters after the schema's defaults (`params.parse({})`); null when the schema has required fields. */
  readonly defaults: Record<string, unknown> | null;
}
export interface EnvironmentEntry extends CatalogueEntry {
  readonly environmentKind: string;
}
export interface AlgorithmEntry extends CatalogueEntry {
  readonly track: string;
  readonly supports: readonly string[];
  /** Needs TF.js (loaded into the worker the first time one runs). */
  readonly neural: boolean;
}

/** A result row as `gsh bench` writes it (typed loosely here: the page reads a few fields). */
export interface Row {
  readonly trialId: string;
  readonly algorithm: string;
  readonly seed: number;
  readonly status: "ok" | "failed";
  readonly error?: string;
  readonly metrics?: {
    readonly subopt: number | null;
    readonly trueReward: number | null;
    readonly klToReference: number;
    readonly queries: number;
  };
  readonly referenceSubopt?: number;
  readonly trace?: readonly {
    queries: number;
    subopt: number | null;
    trueReward: number | null;
    klToReference: number;
  }[];
  readonly optimalFrontier?: { factor: readonly number[]; kl: readonly number[]; reward: readonly number[] };
  readonly sentences?: {
    policy: readonly { prompt: number; text: string; valence: number; reward: number }[];
    reference: readonly { prompt: number; text: string; valence: number; reward: number }[];
    optimal: readonly { prompt: number; text: string; valence: number; reward: number }[];
  };
  readonly wallMs: number;
}

/** A labelling session on testbed T: the exploration rule that picks the pairs, the batch size, the seed. */
export interface LabelSpec {
  readonly exploration: "enhancer" | "posterior-sampling" | "uniform";
  readonly batchSize: number;
  readonly seed: number;
}

/** A pair to label: the prompt and the two continuations as text. */
export interface PairToLabel {
  readonly index: number;
  readonly prompt: string;
  readonly a: string;
  readonly b: string;
  /** The prompt's index and the two responses' token ids (what a scripted labeller scores with r*). */
  readonly x: number;
  readonly tokens: readonly [readonly number[], readonly number[]];
}

/** Where the labeller stands after the labels so far. */
export interface LabelState {
  readonly labels: number;
  /** The pairs of the current batch still to label (the first is shown). */
  readonly pending: readonly PairToLabel[];
  /** SubOpt of π0, of the policy fitted to your labels, and of the policy from as many labels by the hidden r*. */
  readonly referenceSubopt: number;
  readonly yourSubopt: number | null;
  readonly oracleSubopt: number | null;
  /** SubOpt of π* (r*'s optimum) under the reward fitted to your clicks, against that reward's optimum (your policy). */
  readonly optimumUnderYours: number | null;
  /** ‖θ̂ − θ*‖ in the confidence set's norm, and its radius β: whether θ* is inside your confidence set. */
  readonly estimationError: number | null;
  readonly beta: number | null;
  /** θ̂ fitted to your labels and the hidden θ* (per text feature). */
  readonly thetaHat: readonly number[] | null;
  readonly thetaStar: readonly number[];
  /** Exact expected positive AFINN words per sentence under π0, your policy and π* (by the DP). */
  readonly positiveWords: {
    readonly reference: number;
    readonly yours: number | null;
    readonly optimal: number;
  } | null;
  /** A sentence sampled from your policy per prompt (the first prompts). */
  readonly samples: readonly string[];
  /** SubOpt after each completed batch, for the chart. */
  readonly history: readonly { labels: number; yours: number; oracle: number }[];
}

export type ToWorker =
  | { readonly type: "catalogue" }
  | { readonly type: "run"; readonly runId: number; readonly spec: RunSpec; readonly skip: readonly string[] }
  | { readonly type: "label"; readonly spec: LabelSpec; readonly labels: readonly (0 | 1 | 0.5)[] };

export type FromWorker =
  | {
      readonly type: "catalogue";
      readonly environments: readonly EnvironmentEntry[];
      readonly algorithms: readonly AlgorithmEntry[];
    }
  | {
      readonly type: "suite";
      readonly runId: number;
      readonly trialIds: readonly string[];
      readonly suite: unknown;
      readonly fingerprint: string;
    }
  | { readonly type: "row"; readonly runId: number; readonly row: Row; readonly raw: unknown }
  | { readonly type: "done"; readonly runId: number }
  | { readonly type: "error"; readonly runId?: number; readonly message: string }
  | { readonly type: "label-state"; readonly state: LabelState };
