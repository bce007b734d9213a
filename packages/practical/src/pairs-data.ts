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
    b.degenerate = this.degenerate + other.degenerate;
    return b;
  }
}
