import type { PreferenceDataset } from "@gsh/preference";
import type { PairSet } from "./learner";

/**
 * Training pairs (x, chosen, rejected) for the practical track, column-wise. The columns are private and read
 * through `readonly` views, so the only ways in are `addPair` and `addLabelled`: a pair with chosen = rejected, or
 * a comparison without a label (a tie), carries no information (its gradient is zero for every loss), so it is
 * counted in `degenerate` and not stored.
 *
 * Why this is not `PreferenceDataset`: that type holds labelled comparisons (x, a¹, a², y) as an estimator reads
 * them, with optional feature vectors; a loss reads oriented pairs with a margin and a multiplicity.
 * `pairsFromDataset` is the one conversion.
 */
export class PairBatch implements PairSet<number> {
  private readonly xs: number[] = [];
  private readonly ws: number[] = [];
  private readonly ls: number[] = [];
  private readonly ms: number[] = [];
  private readonly counts: number[] = [];
  private refused = 0;

  get size(): number {
    return this.xs.length;
  }
  get contexts(): readonly number[] {
    return this.xs;
  }
  get chosen(): readonly number[] {
    return this.ws;
  }
  get rejected(): readonly number[] {
    return this.ls;
  }
  /** Per-pair pessimistic margins β(Γ(x,a^w) − Γ(x,a^l)) (0 unless given). */
  get margins(): readonly number[] {
    return this.ms;
  }
  /** How many identical pairs each row stands for (1 unless `aggregated`): the f64 objectives weight by it. */
  get weights(): readonly number[] {
    return this.counts;
  }
  /** Pairs refused because chosen = rejected or the label was a tie. */
  get degenerate(): number {
    return this.refused;
  }

  addPair(x: number, chosen: number, rejected: number, margin = 0): boolean {
    if (chosen === rejected) {
      this.refused++;
      return false;
    }
    this.push(x, chosen, rejected, margin, 1);
    return true;
  }

  /** Appends a labelled comparison: y = 1 means a1 was preferred, y = null (a tie) is refused like chosen = rejected. */
  addLabelled(x: number, a1: number, a2: number, y: 0 | 1 | null, margin = 0): boolean {
    if (y === null) {
      this.refused++;
      return false;
    }
    return y === 1 ? this.addPair(x, a1, a2, margin) : this.addPair(x, a2, a1, margin);
  }

  /** `addLabelled` without a margin (the learners' `PairSet` interface). */
  add(x: number, first: number, second: number, y: 0 | 1 | null): void {
    this.addLabelled(x, first, second, y);
  }

  /** The row diagnostics: pairs kept, and pairs refused (chosen = rejected, or a tie). */
  diagnostics(): Record<string, number> {
    return { pairs: this.size, degeneratePairs: this.refused };
  }

  concat(other: PairBatch): PairBatch {
    const b = new PairBatch();
    for (const src of [this, other]) for (let i = 0; i < src.size; i++) b.copyRow(src, i);
    b.refused = this.refused + other.refused;
    return b;
  }

  /**
   * The same pairs with identical (x, chosen, rejected, margin) rows merged into one row of summed weight, in order
   * of first appearance: the full-batch f64 objectives then cost one term per distinct pair. Rejection samplers
   * repeat pairs heavily (at η = 0.1 most accepted samples are one action), so their training gets this.
   */
  aggregated(): PairBatch {
    const b = new PairBatch();
    b.refused = this.refused;
    const index = new Map<string, number>();
    for (let i = 0; i < this.size; i++) {
      const key = `${this.xs[i]},${this.ws[i]},${this.ls[i]},${this.ms[i]}`;
      const j = index.get(key);
      if (j !== undefined) b.counts[j] += this.counts[i];
      else {
        index.set(key, b.size);
        b.copyRow(this, i);
      }
    }
    return b;
  }

  private copyRow(src: PairBatch, i: number): void {
    this.push(src.xs[i], src.ws[i], src.ls[i], src.ms[i], src.counts[i]);
  }

  private push(x: number, chosen: number, rejected: number, margin: number, count: number): void {
    this.xs.push(x);
    this.ws.push(chosen);
    this.ls.push(rejected);
    this.ms.push(margin);
    this.counts.push(count);
  }
}

/** Labelled preference records as training pairs (chosen first). */
export function pairsFromDataset(data: PreferenceDataset): PairBatch {
  const b = new PairBatch();
  const xs = data.context,
    a1 = data.first,
    a2 = data.second,
    ys = data.label;
  for (let i = 0; i < data.size; i++) b.addLabelled(xs[i], a1[i], a2[i], ys[i] as 0 | 1);
  return b;
}
