import type { Rng } from "@gsh/core";
import { type SequenceProblem, referenceRow, sampleReferenceSequence } from "@gsh/preference";

// Rejection samplers draw hundreds of thousands of responses from π0 (RSO: N candidates for every prompt; multi-step
// RS's first step). @gsh/preference draws a token by a pass over its row:
// r = u·z, subtract the weights in order, stop at the first weight larger than what is left. The samplers here draw
// the same tokens from the same uniforms with tables built once per problem: cumulative weights per row, searched by
// bisection. The pass and the search can disagree only where rounding decides, and that is known in advance: after k
// subtractions r differs from u·z − Σ_{j<k} w_j by at most k·2⁻⁵³·u·z, and the cumulative sums from the exact ones by
// at most k·2⁻⁵³ of the row's total; a search result whose cumulative bounds clear r by more than `margin` (a few
// times both) is the pass's token; any other draw runs the pass itself. So every draw is the pass's, bit for bit.

/** One row's draw as @gsh/preference's pass makes it: the first v with r < w_v, r the running remainder. */
function passDraw(weights: Float64Array, o: number, V: number, r: number): number {
  let last = -1;
  for (let v = 0; v < V; v++) {
    const w = weights[o + v];
    if (w > 0) {
      last = v;
      if (r < w) return v;
      r -= w;
    }
  }
  return last; // rounding left r ≥ 0 after the last weight: the last token with positive weight
}

/** Relative slack of the search (2⁻⁵⁰ per token of the row: 8× the rounding bound) and an absolute floor. */
const RELATIVE_SLACK = 2 ** -50;
const ABSOLUTE_SLACK = 1e-300;

/** Rows of non-negative weights with their cumulative sums and scales z (the draw is r = u·z). */
class RowTables {
  readonly cumulative: Float64Array;

  constructor(
    readonly weights: Float64Array,
    readonly scales: Float64Array,
    readonly vocab: number,
  ) {
    const V = vocab;
    this.cumulative = new Float64Array(weights.length);
    for (let o = 0; o < weights.length; o += V) {
      let acc = 0;
      for (let v = 0; v < V; v++) this.cumulative[o + v] = acc += weights[o + v];
    }
  }

  /** The pass's token of row `row` for the uniform u. */
  draw(row: number, u: number): number {
    const V = this.vocab;
    const o = row * V;
    const r = u * this.scales[row];
    const c = this.cumulative;
    const total = c[o + V - 1];
    const margin = (V + 1) * RELATIVE_SLACK * (r > total ? r : total) + ABSOLUTE_SLACK;
    if (r < total - margin) {
      let lo = 0,
        hi = V - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (c[o + mid] > r) hi = mid;
        else lo = mid + 1;
      }
      if ((lo === 0 || r - c[o + lo - 1] > margin) && c[o + lo] - r > margin) return lo;
    }
    return passDraw(this.weights, o, V, r);
  }
}

/** Row sums in index order: the totals @gsh/preference's Markov and π0 draws scale u by. */
function rowTotals(probs: Float64Array, V: number): Float64Array {
  const totals = new Float64Array(probs.length / V);
  for (let row = 0; row < totals.length; row++) {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[row * V + v];
    totals[row] = sum;
  }
  return totals;
}

/**
 * Tokens from which the tables pay: below, a pass over a row that fits a cache line or two is as fast as the search
 * (measured at V = 8 and 64: the pass 0.036 s and 0.25 s for 50 000 draws, the search 0.066 s and 0.22 s); at T's
 * V = 513 and 2049 the pass walks hundreds of weights a token.
 */
export const TABLE_MIN_VOCAB = 128;

/** Draws y ~ π(·|x) into `out`. */
export type SequenceDraw = (x: number, rng: Rng, out?: Int32Array) => Int32Array;

// One π0 sampler per problem object (a learner's problem is its own copy, made per trial).
const referenceSamplers = new WeakMap<SequenceProblem, SequenceDraw>();

/**
 * π0's draws: the tokens `sampleReferenceSequence(problem, x, rng)` draws, from the same uniforms (tables built on
 * the first draw, once per problem), or by that function itself below `TABLE_MIN_VOCAB` tokens.
 */
export function referenceSampler(problem: SequenceProblem): SequenceDraw {
  const kept = referenceSamplers.get(problem);
  if (kept) return kept;
  const { vocab: V, length: L } = problem;
  if (V < TABLE_MIN_VOCAB) return (x, rng, out = new Int32Array(L)) => sampleReferenceSequence(problem, x, rng, out);
  let tables: RowTables | null = null;
  const draw: SequenceDraw = (x, rng, out = new Int32Array(L)) => {
    tables ??= new RowTables(problem.reference, rowTotals(problem.reference, V), V);
    let s = V;
    for (let t = 0; t < L; t++) {
      const v = tables.draw(referenceRow(problem, x, s), rng.uniform());
      if (v < 0) throw new RangeError(`π0 row (prompt ${x}, position ${t}, state ${s}) has no mass`);
      out[t] = s = v;
    }
    return out;
  };
  referenceSamplers.set(problem, draw);
  return draw;
}
