import type { Rng } from "@gsh/core";
import type { UserProblem } from "./problem";

/**
 * Which pairs a batch of suggestions may still ask, and how the batch is spread over prompts.
 *
 * - A pair is unordered: {a, b} is labelled when the file has a pair (or tie) of a and b either way round.
 * - Without `allowRelabel` a labelled pair is never asked, and no pair is asked twice in one batch.
 * - Spread "even" (the default): no prompt gets more than cap = ⌈m / (prompts with a pair left to ask)⌉ pairs; when
 *   every prompt with pairs left is at the cap and the batch is not full, the cap rises by one (water-filling).
 *   Spread "d0": no cap (prompts as the rule draws them, i.i.d. from d0 for the enhancer and Thompson).
 */
export class AskablePairs {
  private readonly labelled = new Set<number>();
  private readonly asked = new Set<number>();
  /** Pairs left to ask per prompt (Infinity with allowRelabel, for prompts of ≥ 2 candidates). */
  private readonly remaining: Float64Array;
  readonly count: Int32Array;
  private readonly promptOf: Int32Array;
  cap: number;
  /** Distinct pairs the file leaves unlabelled, over all prompts (before this batch). */
  readonly unlabelled: number;

  constructor(
    private readonly p: UserProblem,
    batch: number,
    private readonly allowRelabel: boolean,
    private readonly spread: "even" | "d0",
  ) {
    const X = p.prompts.length;
    const m = p.candidates.length;
    this.promptOf = new Int32Array(m);
    for (let x = 0; x < X; x++) this.promptOf.fill(x, p.promptStart[x], p.promptStart[x + 1]);
    const perPrompt = new Float64Array(X);
    for (let i = 0; i < p.chosen.length; i++) {
      const k = this.key(p.chosen[i], p.rejected[i]);
      if (!this.labelled.has(k)) {
        this.labelled.add(k);
        perPrompt[this.promptOf[p.chosen[i]]]++;
      }
    }
    this.remaining = new Float64Array(X);
    let unlabelled = 0;
    for (let x = 0; x < X; x++) {
      const n = p.promptStart[x + 1] - p.promptStart[x];
      const free = (n * (n - 1)) / 2 - perPrompt[x];
      unlabelled += free;
      this.remaining[x] = allowRelabel ? (n >= 2 ? Infinity : 0) : free;
    }
    this.unlabelled = unlabelled;
    this.count = new Int32Array(X);
    let open = 0;
    for (let x = 0; x < X; x++) if (this.remaining[x] > 0) open++;
    this.cap = spread === "even" && open > 0 ? Math.ceil(batch / open) : Infinity;
  }

  private key(a: number, b: number): number {
    return a < b ? a * this.p.candidates.length + b : b * this.p.candidates.length + a;
  }

  /** Whether {a, b} may be asked now. */
  askable(a: number, b: number): boolean {
    if (a === b) return false;
    if (this.allowRelabel) return true;
    const k = this.key(a, b);
    return !this.labelled.has(k) && !this.asked.has(k);
  }

  /** Whether prompt x may get another pair; raises the cap when no prompt may but pairs are left. */
  eligible(x: number): boolean {
    return this.remaining[x] > 0 && this.count[x] < this.cap;
  }

  /** False when no pair is left to ask anywhere; otherwise makes sure some prompt is eligible (water-filling). */
  open(): boolean {
    const X = this.remaining.length;
    let left = false;
    for (let x = 0; x < X; x++) {
      if (this.eligible(x)) return true;
      if (this.remaining[x] > 0) left = true;
    }
    if (!left) return false;
    this.cap++;
    return true;
  }

  take(a: number, b: number): void {
    const x = this.promptOf[a];
    this.count[x]++;
    this.remaining[x]--;
    if (!this.allowRelabel) this.asked.add(this.key(a, b));
  }

  /**
   * A prompt from d0: the draw `first` when it is eligible, else one drawn from d0 restricted to eligible prompts
   * (one uniform). Call `open()` first.
   */
  prompt(first: number, weights: ArrayLike<number>, rng: Rng): number {
    if (this.eligible(first)) return first;
    return restrictedDraw(weights, 0, weights.length, (x) => this.eligible(x), rng);
  }

  /**
   * A pair at prompt x from two rows of probabilities over its candidates (`row1`, `row2`, offsets s..s+n): the
   * first draw (a1, a2) when it may be asked, else a1 from row1 restricted to candidates with a pair left to ask and
   * a2 from row2 restricted to a1's askable partners: the rule's draw conditioned on being askable.
   */
  pair(
    x: number,
    a1: number,
    a2: number,
    row1: ArrayLike<number>,
    row2: ArrayLike<number>,
    rng: Rng,
  ): [number, number] {
    const s = this.p.promptStart[x];
    const n = this.p.promptStart[x + 1] - s;
    if (this.askable(s + a1, s + a2)) return [a1, a2];
    const hasPartner = (a: number) => {
      for (let b = 0; b < n; b++) if (this.askable(s + a, s + b)) return true;
      return false;
    };
    const first = hasPartner(a1) ? a1 : restrictedDraw(row1, 0, n, hasPartner, rng);
    const second = restrictedDraw(row2, 0, n, (b) => this.askable(s + first, s + b), rng);
    return [first, second];
  }
}

/**
 * An index in [from, to) with probability ∝ weights among those `allowed` (uniform among them when their total
 * weight is 0, which underflowed Gibbs rows can give). At least one index must be allowed.
 */
function restrictedDraw(
  weights: ArrayLike<number>,
  from: number,
  to: number,
  allowed: (i: number) => boolean,
  rng: Rng,
): number {
  let total = 0;
  let count = 0;
  for (let i = from; i < to; i++)
    if (allowed(i)) {
      total += weights[i];
      count++;
    }
  if (count === 0) throw new Error("restrictedDraw: nothing allowed (a caller bug: check open()/askable first)");
  const u = rng.uniform();
  let last = -1;
  if (total > 0) {
    let acc = 0;
    for (let i = from; i < to; i++)
      if (allowed(i)) {
        acc += weights[i] / total;
        last = i;
        if (u < acc) return i;
      }
    return last;
  }
  let k = Math.floor(u * count);
  for (let i = from; i < to; i++) if (allowed(i) && k-- === 0) return i;
  return last;
}
