import type { Rng } from "@gsh/core";
import type { PreferenceDataset } from "../data/dataset";
import { type MarkovPolicy, type SequenceProblem, referenceRow, stride } from "./problem";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** One exact sample y ~ π(·|x). */
export function sampleSequence(
  policy: MarkovPolicy,
  x: number,
  rng: Rng,
  out: Int32Array = new Int32Array(policy.length),
): Int32Array {
  const { vocab: V, length: L } = policy;
  return walkRows(policy.probs, V, (t, s) => (x * L + t) * (V + 1) + s, rng, out, `Markov policy row (prompt ${x}`);
}

/**
 * One exact sample y ~ π0(·|x), read from the problem's bigram rows: the same draws as `sampleSequence` on
 * `referenceMarkovPolicy(problem)` (same rows, same totals, same arithmetic) without its X·L·(V+1)·V table.
 */
export function sampleReferenceSequence(
  problem: SequenceProblem,
  x: number,
  rng: Rng,
  out: Int32Array = new Int32Array(problem.length),
): Int32Array {
  return walkRows(
    problem.reference,
    problem.vocab,
    (_t, s) => referenceRow(problem, x, s),
    rng,
    out,
    `π0 row (prompt ${x}`,
  );
}

// Draws y₁..y_L, row `rowOf(t, y_{t−1})` of `probs` at step t (y₀ = the start symbol V).
function walkRows(
  probs: Float64Array,
  V: number,
  rowOf: (t: number, s: number) => number,
  rng: Rng,
  out: Int32Array,
  what: string,
): Int32Array {
  const totals = rowTotals(probs, V);
  let s = V;
  for (let t = 0; t < out.length; t++) {
    const row = rowOf(t, s);
    const v = drawFromRow(probs, row * V, V, totals[row], rng);
    if (v < 0) throw new RangeError(`${what}, position ${t}, state ${s}) has no mass`);
    out[t] = s = v;
  }
  return out;
}

// One pass over the row: u is scaled by the row's cached total, so the draw is exact for any positive row.
function drawFromRow(probs: Float64Array, o: number, V: number, total: number, rng: Rng): number {
  let u = rng.uniform() * total;
  let pick = -1;
  for (let v = 0; v < V; v++) {
    const w = probs[o + v];
    if (w > 0) {
      pick = v;
      if (u < w) break;
      u -= w;
    }
  }
  return pick;
}

// Row sums of a table, computed once per table (10⁴ samples visit thousands of rows; summing each row on every
// draw doubled the cost). Keyed by the array, which a policy or problem never swaps.
const totalsCache = new WeakMap<Float64Array, Float64Array>();
function rowTotals(probs: Float64Array, V: number): Float64Array {
  let t = totalsCache.get(probs);
  if (t) return t;
  const rows = probs.length / V;
  t = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[r * V + v];
    t[r] = sum;
  }
  totalsCache.set(probs, t);
  return t;
}

/** log π0(y | x), read from the problem's bigram tables (no position-replicated Markov table needed). */
export function referenceLogProb(problem: SequenceProblem, x: number, y: ArrayLike<number>): number {
  const { vocab: V, length: L } = problem;
  let s = V;
  let lp = 0;
  for (let t = 0; t < L; t++) {
    lp += Math.log(problem.reference[referenceRow(problem, x, s) * V + y[t]]);
    s = y[t];
  }
  return lp;
}

/** log π(y | x) of a Markov policy. */
export function sequenceLogProb(policy: MarkovPolicy, x: number, y: ArrayLike<number>): number {
  const { vocab: V, length: L } = policy;
  const S = stride(policy);
  let s = V;
  let lp = 0;
  for (let t = 0; t < L; t++) {
    lp += Math.log(policy.probs[(x * L + t) * S + s * V + y[t]]);
    s = y[t];
  }
  return lp;
}

/** φ(x, y) = (1/L)·Σ_t ψ(y_{t−1}, y_t). */
export function sequenceFeatures(
  problem: SequenceProblem,
  y: ArrayLike<number>,
  out = new Float64Array(problem.dim),
): Float64Array {
  const { vocab: V, length: L, dim: d } = problem;
  out.fill(0);
  let s = V;
  for (let t = 0; t < L; t++) {
    const o = (s * V + y[t]) * d;
    for (let k = 0; k < d; k++) out[k] += problem.psi[o + k] / L;
    s = y[t];
  }
  return out;
}

/**
 * Labelled sequence pairs: the records (with their features φ(x, y)) and the responses themselves (n×L each,
 * row-major), which neural policies need. `y = 1` in `data` means `first` was preferred.
 */
export interface SequenceOfflineData {
  readonly data: PreferenceDataset;
  readonly queries: number;
  readonly first: Int32Array;
  readonly second: Int32Array;
}

/** The pairs as (x, chosen, rejected) responses, in record order. */
export function sequencePairs(
  d: Pick<SequenceOfflineData, "data" | "first" | "second">,
  length: number,
): { x: number; chosen: Int32Array; rejected: Int32Array }[] {
  const out: { x: number; chosen: Int32Array; rejected: Int32Array }[] = [];
  for (let i = 0; i < d.data.size; i++) {
    const a = d.first.subarray(i * length, (i + 1) * length);
    const b = d.second.subarray(i * length, (i + 1) * length);
    const y = d.data.label[i];
    out.push({ x: d.data.context[i], chosen: y === 1 ? a : b, rejected: y === 1 ? b : a });
  }
  return out;
}
