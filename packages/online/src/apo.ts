import { GshException, forwardSubstitute, invalidArgument } from "@gsh/core";
import type { Covariance } from "@gsh/preference";
import type { ExplorationRule, ExplorationState, PairPlan } from "./exploration";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * The greedy design of APO over a pool of candidate triplets (x, a, a′) given by their differences z = φ(x,a) −
 * φ(x,a′) (N × d, row-major): `next()` returns the index of the triplet of largest ‖z‖_{V⁻¹} (ties: the first) and
 * adds zzᵀ to V, so the next choice sees it. V starts as the given covariance (λI + c·Σ zzᵀ of the data so far,
 * c its scale); V⁻¹ and every ‖z_i‖²_{V⁻¹} follow each addition by the Sherman–Morrison identity, O(N·d + d²).
 */
export class ApoDesign {
  private readonly inv: Float64Array;
  private readonly q: Float64Array;
  private readonly w: Float64Array;
  private readonly scale: number;

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
  }

  /** ‖z_i‖²_{V⁻¹} under the current V. */
  width2(i: number): number {
    return this.q[i];
  }

  /** The triplet of largest ‖z‖_{V⁻¹} (the first of ties); V then grows by c·zzᵀ. */
  next(): number {
    const { q, inv, w, pool, scale } = this;
    const d = w.length;
    let best = 0;
    for (let n = 1; n < this.size; n++) if (q[n] > q[best]) best = n;
    const u = best * d;
    let uw = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += inv[i * d + j] * pool[u + j];
      w[i] = s;
      uw += pool[u + i] * s;
    }
    const c = scale / (1 + scale * uw);
    for (let n = 0; n < this.size; n++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += pool[n * d + k] * w[k];
      q[n] = Math.max(0, q[n] - c * s * s);
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[i * d + j] -= c * w[i] * w[j];
    return best;
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
