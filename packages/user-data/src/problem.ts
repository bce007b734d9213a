import type { PairOutcomes } from "./outcome-likelihood";

/**
 * A user's preference problem in memory: prompts, their candidate responses with feature vectors (stored once,
 * f64 or f32), an optional reference policy, and labelled pairs that reference candidates by index. Candidates
 * are grouped by prompt (prompt x owns candidates promptStart[x] .. promptStart[x+1] − 1).
 */
export interface UserProblem {
  readonly dim: number;
  readonly dtype: "f64" | "f32";
  /** Prompt ids, in order of first appearance. */
  readonly prompts: readonly string[];
  /** d0 over prompts (the `weight` of each prompt record, 1 when absent), normalised to sum to 1. */
  readonly promptWeights: Float64Array;
  /** X + 1 offsets into the candidate arrays. */
  readonly promptStart: Int32Array;
  /** Candidate ids, grouped by prompt. */
  readonly candidates: readonly string[];
  /** Features, candidates × dim, row-major. */
  readonly features: Float64Array | Float32Array;
  /** log π0(candidate | prompt); uniform over the prompt's candidates when the file gives none. */
  readonly referenceLogProb: Float64Array;
  /** The labelled pairs: chosen[i] was preferred to rejected[i] (candidate indices, same prompt). */
  readonly chosen: Int32Array;
  readonly rejected: Int32Array;
  /** P(chosen[i] preferred) per pair: 1 for a hard win (all 1 when absent), p in [0, 1] for a soft label. */
  readonly labels?: Float64Array;
  /** 1 where pair i is a tie (Davidson's model); all 0 when absent. */
  readonly ties?: Uint8Array;
  /** TRL's reward margin per pair: P(chosen preferred) = σ(<θ, φ(chosen) − φ(rejected)> − margin); 0 when absent. */
  readonly margins?: Float64Array;
  /** The prompt texts (a string, or a conversation as a list of messages), where the file carries them. */
  readonly promptTexts?: readonly unknown[];
  /** The candidate texts (a string, or a list of messages), where the file carries them. */
  readonly candidateTexts?: readonly unknown[];
  /** How the features were made (from the header's `embedding`), carried into the reward model. */
  readonly embedding?: EmbeddingInfo;
  /** "pairs" when candidate ids are the JSON text of [prompt, response] (the pairs layout). */
  readonly idLayout?: "native" | "pairs";
}

/** Which featuriser or model made the features: recorded in the data file and in the exported reward model. */
export interface EmbeddingInfo {
  /** "hashed-ngrams-v1" for the built-in featuriser, or the sentence-embedding model's id. */
  readonly model: string;
  readonly dim: number;
  /** What was embedded: the response alone, or prompt and response. */
  readonly input?: string;
}

/** The outcomes of the problem's pairs (hard wins where it gives no labels or ties). */
export function outcomesOf(p: UserProblem): PairOutcomes {
  const n = p.chosen.length;
  return {
    chosen: p.chosen,
    rejected: p.rejected,
    label: p.labels ?? new Float64Array(n).fill(1),
    tie: p.ties ?? new Uint8Array(n),
    ...(p.margins ? { margin: p.margins } : {}),
  };
}

/**
 * A candidate's id as it is written out: the string id of the native layout, or [prompt, response] as a JSON
 * array in the pairs layout (never JSON inside a string).
 */
export function candidateIdOut(p: UserProblem, c: number): string | unknown[] {
  return p.idLayout === "pairs" ? (JSON.parse(p.candidates[c]) as unknown[]) : p.candidates[c];
}

/** The prompt of each candidate (candidates × 1). */
export function candidatePrompts(p: UserProblem): Int32Array {
  const out = new Int32Array(p.candidates.length);
  for (let x = 0; x < p.prompts.length; x++) out.fill(x, p.promptStart[x], p.promptStart[x + 1]);
  return out;
}

/** The largest number of candidates of one prompt. */
export function maxCandidates(p: UserProblem): number {
  let m = 0;
  for (let x = 0; x < p.prompts.length; x++) m = Math.max(m, p.promptStart[x + 1] - p.promptStart[x]);
  return m;
}

/** <θ, φ(a) − φ(b)> for candidates a and b: the fitted reward margin of a over b. */
export function candidateMargin(p: UserProblem, theta: Float64Array, a: number, b: number): number {
  const d = p.dim;
  let m = 0;
  for (let k = 0; k < d; k++) m += theta[k] * (p.features[a * d + k] - p.features[b * d + k]);
  return m;
}

/** A growable typed array: doubling, so n pushes cost O(n). */
export class Growable<T extends Float64Array | Float32Array | Int32Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let cap = this.data.length;
    while (cap < this.length + extra) cap *= 2;
    const next = this.make(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): void {
    this.reserve(1);
    this.data[this.length++] = v;
  }
  /** The first `length` entries, trimmed to a fresh array. */
  toArray(): T {
    const out = this.make(this.length);
    out.set(this.data.subarray(0, this.length));
    return out;
  }
  get raw(): T {
    return this.data;
  }
}
