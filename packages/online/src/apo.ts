import { GshException, forwardSubstitute, invalidArgument } from "@gsh/core";
import type { Covariance } from "@gsh/preference";
import type { ExplorationRule, ExplorationState, PairPlan } from "./exploration";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * The greedy design of APO over a pool of candidate triplets (x, a, a′) given by their differences z = φ(x,a) −
 * φ(x,a′) (N × d, row-major): `next()` returns the index of a triplet of largest ‖z‖_{V⁻¹} and adds c·zzᵀ to V (c the
 * covariance's scale), so the next choice sees it. V starts as the given covariance (λI + c·Σ zzᵀ of the data so
 * far); V⁻¹ follows each addition by the Sherman–Morrison identity. Adding to V only shrinks every ‖z‖_{V⁻¹}, so a
 * width computed earlier is an upper bound: the pool is a max-heap of such bounds, and the top is re-evaluated until
 * it is current (lazy greedy), which returns an exact maximiser at O(d²) per re-evaluation instead of O(N·d) per query.
 */
export class ApoDesign {
  private readonly inv: Float64Array;
  /** ‖z_i‖²_{V⁻¹} as of version `stamp[i]` (an upper bound on today's). */
  private readonly q: Float64Array;
  private readonly stamp: Int32Array;
  private readonly heap: Int32Array;
  private readonly w: Float64Array;
  private readonly scale: number;
  private version = 0;

  constructor(
    private readonly pool: Float64Array,
    private readonly size: number,
    covariance: Covariance,
  ) {
    const d = covariance.dim;
    this.w = new Float64Array(d);
    this.scale = covariance.scale;
    const L = covariance.cholesky();
    // V⁻¹ = L⁻ᵀL⁻¹, column by column from L⁻¹e_k.
    const Linv = new Float64Array(d * d);
    const e = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      e.fill(0);
      e[k] = 1;
      const col = forwardSubstitute(L, d, e);
      for (let i = 0; i < d; i++) Linv[i * d + k] = col[i];
    }
    this.inv = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += Linv[k * d + i] * Linv[k * d + j];
        this.inv[i * d + j] = s;
      }
    this.q = new Float64Array(size);
    for (let n = 0; n < size; n++) {
      const y = forwardSubstitute(L, d, pool.subarray(n * d, (n + 1) * d));
      let s = 0;
      for (let k = 0; k < d; k++) s += y[k] * y[k];
      this.q[n] = s;
    }
    this.stamp = new Int32Array(size);
    this.heap = Int32Array.from({ length: size }, (_, i) => i);
    for (let i = (size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** ‖z_i‖²_{V⁻¹} under the current V. */
  width2(i: number): number {
    const { inv, pool } = this;
    const d = this.w.length;
    let s = 0;
    for (let a = 0; a < d; a++) {
      let r = 0;
      for (let b = 0; b < d; b++) r += inv[a * d + b] * pool[i * d + b];
      s += pool[i * d + a] * r;
    }
    return Math.max(0, s);
  }

  /** A triplet of largest ‖z‖_{V⁻¹} (among equal widths, the lowest index); V then grows by c·zzᵀ. */
  next(): number {
    const { q, stamp, heap, inv, w, pool, scale } = this;
    const d = w.length;
    for (;;) {
      const top = heap[0];
      if (stamp[top] === this.version) break;
      q[top] = this.width2(top);
      stamp[top] = this.version;
      this.siftDown(0);
    }
    const best = heap[0];
    const u = best * d;
    let uw = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += inv[i * d + j] * pool[u + j];
      w[i] = s;
      uw += pool[u + i] * s;
    }
    const c = scale / (1 + scale * uw);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[i * d + j] -= c * w[i] * w[j];
    this.version++;
    return best;
  }

  /** Heap order: larger width first, then the lower index. */
  private above(a: number, b: number): boolean {
    return this.q[a] > this.q[b] || (this.q[a] === this.q[b] && a < b);
  }

  private siftDown(i: number): void {
    const { heap, size } = this;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < size && this.above(heap[l], heap[m])) m = l;
      if (r < size && this.above(heap[r], heap[m])) m = r;
      if (m === i) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  }
}

/**
 * Active preference optimisation (APO, Das et al. 2024, "Active Preference Optimization for Sample Efficient
 * RLHF"): query by query, the learner picks the triplet (x, a, a′) of largest ‖φ(x,a) − φ(x,a′)‖_{V⁻¹} over a pool
 * of contexts and response pairs, V = λI + Σ zzᵀ updated after every choice (the label is not needed for that), so
 * the contexts are the rule's choice, not draws from d0. V in place of the Hessian-weighted H(θ̂) as in the paper's
 * APO-RLHF (Algorithm 2), which states the guarantee unchanged; one query per choice (its batch size B = 1, so V is
 * updated within our rounds of m queries). The pool: on finite actions every context and every pair a < a′; on
 * sequences, each round, `candidates` responses drawn from π0 for every prompt (APO's pool is responses of the SFT
 * policy), all their pairs. The output policy is the main agent's (MLE-Gibbs), as APO's is the MLE's. No other
 * hyper-parameter.
 */
export function apoRuleWith(candidates = 8): ExplorationRule {
  if (!(Number.isInteger(candidates) && candidates >= 2))
    throw new GshException(invalidArgument("bestOfN", `APO needs ≥ 2 candidates per prompt, got ${candidates}`));
  return <R>(s: ExplorationState<R>): PairPlan<R> => {
    const d = s.world.dim;
    const X = s.world.family.contexts;
    const enumerate = s.world.responses;
    const triplets: { x: number; a: R; b: R }[] = [];
    const diffs: number[] = [];
    for (let x = 0; x < X; x++) {
      let ys: readonly R[];
      if (enumerate) ys = enumerate(x);
      else {
        const drawn: R[] = [];
        for (let j = 0; j < candidates; j++) drawn.push(s.world.reference.draw(x, s.rng, s.world.slot()));
        ys = drawn;
      }
      const f = ys.map((y) => Float64Array.from(s.world.features(x, y, new Float64Array(d))));
      for (let a = 0; a < ys.length; a++)
        for (let b = a + 1; b < ys.length; b++) {
          triplets.push({ x, a: ys[a], b: ys[b] });
          for (let k = 0; k < d; k++) diffs.push(f[a][k] - f[b][k]);
        }
    }
    const design = new ApoDesign(Float64Array.from(diffs), triplets.length, s.covariance);
    let pending = -1;
    return {
      context() {
        pending = design.next();
        return triplets[pending].x;
      },
      sample(x) {
        const t = pending < 0 ? undefined : triplets[pending];
        if (!t || t.x !== x)
          throw new GshException(invalidArgument("exploration", "APO chooses its contexts: draw them with context()"));
        pending = -1;
        return [t.a, t.b];
      },
      degenerate: () => 0,
    };
  };
}

/** `apoRuleWith(8)`: on finite actions every pair of every context, on sequences 8 π0 responses per prompt. */
export const apoRule: ExplorationRule = apoRuleWith(8);
