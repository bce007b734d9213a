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
