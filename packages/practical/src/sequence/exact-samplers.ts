import type { Rng } from "@gsh/core";
import {
  type SequenceProblem,
  type TabularSequencePolicy,
  referenceRow,
  referenceRows,
  sampleFromPolicy,
  sequenceReward,
} from "@gsh/preference";

// Rejection samplers draw hundreds of thousands of responses from one policy (RSO: N candidates from π0 for every
// prompt; multi-step RS: from each step's fitted policy). @gsh/preference draws a token by a pass over its row:
// r = u·z, subtract the weights in order, stop at the first weight larger than what is left. The samplers here draw
// the same tokens from the same uniforms with tables built once per policy: cumulative weights per row, searched by
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

/** Entries of a policy's tables above which it keeps @gsh/preference's sampler (2²⁴: 2 × 128 MB of f64). */
export const TABLE_LIMIT = 2 ** 24;

/** Draws y ~ π(·|x) into `out`. */
export type SequenceDraw = (x: number, rng: Rng, out?: Int32Array) => Int32Array;

// One π0 sampler and log table per problem object (a learner's problem is its own copy, made per trial).
const referenceSamplers = new WeakMap<SequenceProblem, SequenceDraw>();
const referenceLogs = new WeakMap<SequenceProblem, (x: number, y: ArrayLike<number>) => number>();

/**
 * π0's draws: the tokens `sampleReferenceSequence(problem, x, rng)` draws, from the same uniforms (tables built on
 * the first draw, once per problem).
 */
export function referenceSampler(problem: SequenceProblem): SequenceDraw {
  const kept = referenceSamplers.get(problem);
  if (kept) return kept;
  const { vocab: V, length: L } = problem;
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

/**
 * A Markov table's or a factored Gibbs policy's draws: the tokens `sampleFromPolicy(policy, x, rng)` draws, from the
 * same uniforms. Tables (X·L·(V+1)·V numbers, as the dense policy) are built on the first draw; a Gibbs policy with a
 * shared π0 (T) keeps @gsh/preference's own sampler, which draws its shared rows by rejection.
 */
export function policySampler(problem: SequenceProblem, policy: TabularSequencePolicy): SequenceDraw {
  const { vocab: V, length: L } = problem;
  const own: SequenceDraw = (x, rng, out = new Int32Array(L)) => sampleFromPolicy(policy, x, rng, out);
  if (policy.kind === "gibbs" && policy.gibbs.referenceLayout === "shared") return own;
  if (problem.prompts * L * (V + 1) * V > TABLE_LIMIT) return own;
  let tables: RowTables | null | undefined;
  const build = (): RowTables | null => {
    if (policy.kind === "markov") return new RowTables(policy.markov.probs, rowTotals(policy.markov.probs, V), V);
    // π_t(v|s) ∝ K(s,v)·u_{t+1}(v) with normaliser z_t(s), per prompt (`FactoredGibbsPolicy`'s per-prompt layout):
    // the row (x, t, s) holds the products the Gibbs draw subtracts, in its order.
    const { kernel, messages, normalizers, prompts: X } = policy.gibbs;
    const weights = new Float64Array(X * L * (V + 1) * V);
    for (let x = 0; x < X; x++)
      for (let t = 0; t < L; t++)
        for (let s = 0; s <= V; s++) {
          const o = ((x * L + t) * (V + 1) + s) * V,
            ko = (x * (V + 1) + s) * V,
            uo = (x * L + t) * (V + 1);
          for (let v = 0; v < V; v++) weights[o + v] = kernel[ko + v] * messages[uo + v];
        }
    // The Gibbs draw subtracts every product, a NaN one included (which the pass above would skip): such a policy
    // keeps @gsh/preference's sampler.
    for (const w of weights) if (!Number.isFinite(w)) return null;
    return new RowTables(weights, normalizers, V);
  };
  return (x, rng, out = new Int32Array(L)) => {
    if (tables === undefined) tables = build();
    if (tables === null) return own(x, rng, out);
    let s = V;
    for (let t = 0; t < L; t++) {
      const v = tables.draw((x * L + t) * (V + 1) + s, rng.uniform());
      if (v < 0) throw new RangeError(`policy row (prompt ${x}, position ${t}, state ${s}) has no mass`);
      out[t] = s = v;
    }
    return out;
  };
}

/**
 * log π0(y|x) as `referenceLogProb(problem, x, y)` computes it (the same logarithms summed in the same order), each
 * log π0 entry computed once.
 */
export function referenceLogProbs(problem: SequenceProblem): (x: number, y: ArrayLike<number>) => number {
  const kept = referenceLogs.get(problem);
  if (kept) return kept;
  const { vocab: V, length: L } = problem;
  const logs = new Float64Array(referenceRows(problem) * V).fill(NaN);
  const ref = problem.reference;
  const logProb = (x: number, y: ArrayLike<number>): number => {
    let s = V;
    let lp = 0;
    for (let t = 0; t < L; t++) {
      const i = referenceRow(problem, x, s) * V + y[t];
      let l = logs[i];
      if (l !== l) l = logs[i] = Math.log(ref[i]);
      lp += l;
      s = y[t];
    }
    return lp;
  };
  referenceLogs.set(problem, logProb);
  return logProb;
}

/** log π(y|x) of a factored Gibbs policy as `gibbsSequenceLogProb` computes it, with π0's logarithms from `logPi0`. */
export const gibbsLogProb = (
  gibbs: Extract<TabularSequencePolicy, { kind: "gibbs" }>["gibbs"],
  logPi0: (x: number, y: ArrayLike<number>) => number,
  x: number,
  y: ArrayLike<number>,
): number => sequenceReward(gibbs.bigram, gibbs.vocab, y) / gibbs.eta + logPi0(x, y) - gibbs.logZ[x];
