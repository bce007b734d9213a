/**
 * Training pairs (x, chosen, rejected) for the practical track, column-wise. A pair with chosen = rejected carries
 * no information (its gradient is zero for every loss): `addPair` flags it and does not store it.
 */
export class PairBatch {
  contexts: number[] = [];
  chosen: number[] = [];
  rejected: number[] = [];
  /** Optional per-pair pessimistic margins β(Γ(x,a^w) − Γ(x,a^l)). */
  margins: number[] = [];
  /** How many identical pairs each row stands for (1 unless `aggregated`): the f64 objectives weight by it. */
  weights: number[] = [];
  /** Pairs refused because chosen = rejected. */
  degenerate = 0;

  get size(): number {
    return this.contexts.length;
  }

  addPair(x: number, chosen: number, rejected: number, margin = 0): boolean {
    if (chosen === rejected) {
      this.degenerate++;
      return false;
    }
    this.contexts.push(x);
    this.chosen.push(chosen);
    this.rejected.push(rejected);
    this.margins.push(margin);
    this.weights.push(1);
    return true;
  }

  /** Appends labelled data: y = 1 means a1 was preferred. */
  addLabelled(x: number, a1: number, a2: number, y: 0 | 1, margin = 0): boolean {
    return y === 1 ? this.addPair(x, a1, a2, margin) : this.addPair(x, a2, a1, margin);
  }

  concat(other: PairBatch): PairBatch {
    const b = new PairBatch();
    b.contexts = [...this.contexts, ...other.contexts];
    b.chosen = [...this.chosen, ...other.chosen];
    b.rejected = [...this.rejected, ...other.rejected];
    b.margins = [...this.margins, ...other.margins];
    b.weights = [...this.weights, ...other.weights];
    b.degenerate = this.degenerate + other.degenerate;
    return b;
  }

  /**
   * The same pairs with identical (x, chosen, rejected, margin) rows merged into one row of summed weight, in order
   * of first appearance: the full-batch f64 objectives then cost one term per distinct pair. Rejection samplers
   * repeat pairs heavily (at η = 0.1 most accepted samples are one action), so their training gets this.
   */
  aggregated(): PairBatch {
    const b = new PairBatch();
    b.degenerate = this.degenerate;
    const index = new Map<string, number>();
    for (let i = 0; i < this.size; i++) {
      const key = `${this.contexts[i]},${this.chosen[i]},${this.rejected[i]},${this.margins[i]}`;
      const j = index.get(key);
      if (j !== undefined) b.weights[j] += this.weights[i];
      else {
        index.set(key, b.size);
        b.contexts.push(this.contexts[i]);
        b.chosen.push(this.chosen[i]);
        b.rejected.push(this.rejected[i]);
        b.margins.push(this.margins[i]);
        b.weights.push(this.weights[i]);
      }
    }
    return b;
  }
}
