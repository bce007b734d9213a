import { covarianceSweep, dot, gemv, softmaxInto, getOrThrow, validateEta } from "@gsh/core";
import { type MarkovPolicy, type SequenceProblem, referenceRow, stride } from "./problem";
import { KernelExponentials } from "./kernel-exponentials";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/** π0 as a (position-independent) Markov policy. */
export function referenceMarkovPolicy(problem: SequenceProblem): MarkovPolicy {
  const { prompts: X, length: L } = problem;
  const S = stride(problem);
  const V = problem.vocab;
  const probs = new Float64Array(X * L * S);
  for (let x = 0; x < X; x++)
    for (let s = 0; s <= V; s++) {
      const o = referenceRow(problem, x, s) * V;
      const row = problem.reference.subarray(o, o + V);
      for (let t = 0; t < L; t++) probs.set(row, (x * L + t) * S + s * V);
    }
  return { prompts: X, vocab: problem.vocab, length: L, probs };
}

/** b(s, v) = <θ, ψ(s, v)>/L: the per-position reward of a linear reward θ. */
export function bigramReward(problem: SequenceProblem, theta: Float64Array): Float64Array {
  const { vocab: V, dim: d, length: L, psi } = problem;
  const rows = (V + 1) * V;
  const first = repeatedRows(psi, rows, d);
  if (first === null) {
    // One gemv (a dot per bigram inside core) rather than a call into the package per bigram.
    const out = gemv(psi, rows, d, theta);
    for (let i = 0; i < out.length; i++) out[i] /= L;
    return out;
  }
  // Equal rows of ψ have equal dots (the same products added in the same order as gemv's), so each distinct row is
  // dotted once and its copies take its value.
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = first[i];
    out[i] = r === i ? dot(psi, theta, d, i * d, 0) / L : out[r];
  }
  return out;
}

/**
 * For each row of ψ ((V+1)·V rows of d), the index of the first row equal to it entry by entry, or null when fewer
 * than half the rows repeat an earlier one. The text testbed's ψ(s, v) = word(v) for every s ≠ v, and most words
 * share their features (37 distinct rows of 263 682 at V = 513), so the rewards of a θ cost that many dots and a
 * gather instead of a pass over all of ψ. Computed once per ψ table (ψ tables are not modified after a problem is
 * built).
 */
function repeatedRows(psi: Float64Array, rows: number, d: number): Int32Array | null {
  if (firstRowCache.has(psi)) return firstRowCache.get(psi) ?? null;
  const first = new Int32Array(rows);
  const seen = new Map<number, number[]>();
  const bits = new Uint32Array(2);
  const word = new Float64Array(bits.buffer);
  let repeats = 0;
  for (let i = 0; i < rows; i++) {
    let h = 0;
    for (let k = 0; k < d; k++) {
      // +0 and −0 hash alike (they compare equal and give the same dots).
      word[0] = psi[i * d + k] + 0;
      h = Math.imul(h ^ bits[0], 0x9e3779b1) ^ Math.imul(bits[1], 0x85ebca6b);
    }
    const bucket = seen.get(h);
    let match = -1;
    if (bucket)
      for (const j of bucket) {
        let k = 0;
        while (k < d && psi[i * d + k] === psi[j * d + k]) k++;
        if (k === d) {
          match = j;
          break;
        }
      }
    if (match >= 0) {
      first[i] = match;
      repeats++;
    } else {
      first[i] = i;
      if (bucket) bucket.push(i);
      else seen.set(h, [i]);
    }
  }
  const result = 2 * repeats >= rows ? first : null;
  firstRowCache.set(psi, result);
  return result;
}

const firstRowCache = new WeakMap<Float64Array, Int32Array | null>();

/** Σ_t b(y_{t−1}, y_t) for one response (y₀ the start symbol V): a bigram reward of a whole sequence. */
export function sequenceReward(b: Float64Array, vocab: number, y: ArrayLike<number>): number {
  let r = 0;
  let s = vocab;
  for (let t = 0; t < y.length; t++) {
    r += b[s * vocab + y[t]];
    s = y[t];
  }
  return r;
}

/**
 * The Gibbs policy of a bigram reward b (shared by all prompts, or per prompt with `perPrompt`), by the backward
 * pass W_t(s) = log Σ_v π0(v|x,s)·exp(b(s,v)/η + W_{t+1}(v)), W_{L}(·) = 0; log Z(x) = W_0(start).
 *
 * Since π0 and b do not depend on the position, the kernel K(s,v) = π0(v|x,s)·exp(b(s,v)/η − m_s) (m_s its row's
 * largest exponent) is formed once per prompt, and each position is a matrix-vector product on a max-normalized
 * message with its log-scale carried apart: one exp per (s, v) per prompt instead of one per (t, s, v) (S-large:
 * ~200 ms → a few ms). Rows whose sum underflows fall back to the log-domain pass, so the result stays exact.
 */
export function sequenceGibbs(
  problem: SequenceProblem,
  b: Float64Array,
  eta: number,
  perPrompt = false,
): { policy: MarkovPolicy; logZ: Float64Array } {
  getOrThrow(validateEta(eta)); // one check of η for the whole toolkit (core), one error
  const { prompts: X, vocab: V, length: L } = problem;
  const S = stride(problem);
  const probs = new Float64Array(X * L * S);
  const logZ = new Float64Array(X);
  const K = new Float64Array(S);
  const rowMax = new Float64Array(V + 1);
  const msg = new Float64Array(V + 1); // normalized e^{W_{t+1}(v) − c}, max 1
  const sums = new Float64Array(V + 1);
  // A b shared by the prompts repeats its rows' exponentials across prompts (computed once each); per-prompt b's do not.
  const exps = perPrompt ? null : new KernelExponentials(V, eta);
  for (let x = 0; x < X; x++) {
    const bx = perPrompt ? x * S : 0;
    for (let s = 0; s <= V; s++) {
      const ro = referenceRow(problem, x, s) * V;
      let m = -Infinity;
      for (let v = 0; v < V; v++) {
        const e = b[bx + s * V + v] / eta;
        if (problem.reference[ro + v] > 0 && e > m) m = e;
      }
      rowMax[s] = m;
      if (exps) exps.fill(s, m, problem.reference, ro, b, bx + s * V, K, s * V);
      else
        for (let v = 0; v < V; v++) {
          const p0 = problem.reference[ro + v];
          K[s * V + v] = p0 > 0 ? p0 * Math.exp(b[bx + s * V + v] / eta - m) : 0;
        }
    }
    msg.fill(1);
    let scale = 0; // W_{t+1}(v) = scale + log msg[v]
    let ok = true;
    for (let t = L - 1; t >= 0 && ok; t--) {
      const base = (x * L + t) * S;
      let top = 0;
      for (let s = 0; s <= V; s++) {
        const o = s * V;
        let z = 0;
        for (let v = 0; v < V; v++) {
          const q = K[o + v] * msg[v];
          probs[base + o + v] = q;
          z += q;
        }
        if (!(z > 1e-280) || !Number.isFinite(z)) {
          ok = false;
          break;
        }
        const inv = 1 / z;
        for (let v = 0; v < V; v++) probs[base + o + v] *= inv;
        // W_t(s) = rowMax[s] + scale + log z
        sums[s] = rowMax[s] + Math.log(z);
        if (s === 0 || sums[s] > top) top = sums[s];
      }
      if (!ok) break;
      for (let s = 0; s < V; s++) msg[s] = Math.exp(sums[s] - top);
      if (t === 0) logZ[x] = scale + sums[V];
      scale += top;
    }
    if (!ok) logDomainPass(problem, b, eta, bx, x, probs, logZ);
  }
  return { policy: { prompts: X, vocab: V, length: L, probs }, logZ };
}

function logDomainPass(
  problem: SequenceProblem,
  b: Float64Array,
  eta: number,
  bx: number,
  x: number,
  probs: Float64Array,
  logZ: Float64Array,
): void {
  const { vocab: V, length: L } = problem;
  const S = stride(problem);
  const next = new Float64Array(V + 1);
  const cur = new Float64Array(V + 1);
  const row = new Float64Array(V);
  for (let t = L - 1; t >= 0; t--) {
    for (let s = 0; s <= V; s++) {
      const o = referenceRow(problem, x, s) * V;
      for (let v = 0; v < V; v++) {
        const p0 = problem.reference[o + v];
        row[v] = p0 > 0 ? Math.log(p0) + b[bx + s * V + v] / eta + next[v] : -Infinity;
      }
      cur[s] = softmaxInto(row, probs.subarray((x * L + t) * S + s * V, (x * L + t) * S + (s + 1) * V), 0, V);
    }
    next.set(cur);
  }
  logZ[x] = next[V];
}

/**
 * A Markov policy seen row by row: `row(x, t, s)` is π_t(·|x, s) (V entries, valid until the next call). Dense
 * tables hand out views; factored policies and π0 fill a buffer. The forward passes below read policies this way.
 */
export interface MarkovRows {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  row(x: number, t: number, s: number): Float64Array;
}

/** A dense Markov table's rows (views, no copy). */
export function markovRows(policy: MarkovPolicy): MarkovRows {
  const { vocab: V, length: L } = policy;
  const S = stride(policy);
  return {
    ...policy,
    row: (x, t, s) => policy.probs.subarray((x * L + t) * S + s * V, (x * L + t) * S + (s + 1) * V),
  };
}

/** π0's rows, read from the problem's bigram table (whatever its layout). */
export function referenceMarkovRows(problem: SequenceProblem): MarkovRows {
  const V = problem.vocab;
  return {
    prompts: problem.prompts,
    vocab: V,
    length: problem.length,
    row: (x, _t, s) => {
      const o = referenceRow(problem, x, s) * V;
      return problem.reference.subarray(o, o + V);
    },
  };
}

const asRows = (policy: MarkovPolicy | MarkovRows): MarkovRows => ("row" in policy ? policy : markovRows(policy));

/** State marginals μ_t(s) of a Markov policy for one prompt: an (L+1) × (V+1) table, μ_0 = δ_start. */
export function stateMarginals(policy: MarkovPolicy | MarkovRows, x: number): Float64Array {
  const rows = asRows(policy);
  const { vocab: V, length: L } = rows;
  const mu = new Float64Array((L + 1) * (V + 1));
  mu[V] = 1;
  for (let t = 0; t < L; t++) {
    for (let s = 0; s <= V; s++) {
      const m = mu[t * (V + 1) + s];
      if (m === 0) continue;
      const p = rows.row(x, t, s);
      for (let v = 0; v < V; v++) mu[(t + 1) * (V + 1) + v] += m * p[v];
    }
  }
  return mu;
}

/** φ(x, π) = E_{y~π(·|x)} φ(x, y) for every prompt: prompts × d. */
export function expectedSequenceFeatures(problem: SequenceProblem, policy: MarkovPolicy | MarkovRows): Float64Array {
  const rows = asRows(policy);
  const { prompts: X, vocab: V, length: L, dim: d } = problem;
  const S = stride(problem);
  const out = new Float64Array(X * d);
  const occ = new Float64Array(S);
  for (let x = 0; x < X; x++) {
    const mu = stateMarginals(rows, x);
    occ.fill(0);
    for (let t = 0; t < L; t++)
      for (let s = 0; s <= V; s++) {
        const m = mu[t * (V + 1) + s];
        if (m === 0) continue;
        const p = rows.row(x, t, s);
        for (let v = 0; v < V; v++) occ[s * V + v] += m * p[v];
      }
    for (let i = 0; i < S; i++) {
      const c = occ[i] / L;
      if (c === 0) continue;
      for (let k = 0; k < d; k++) out[x * d + k] += c * problem.psi[i * d + k];
    }
  }
  return out;
}

/**
 * E_x Cov_{π(·|x)}(φ) (d×d) for a Markov policy, exactly, in O(X·L·V²·d + (V+1)·V·d²) instead of enumerating Vᴸ
 * responses. With φ = (1/L)Σ_t ψ_t, E[φφᵀ] = (1/L²)(Σ_t E[ψ_tψ_tᵀ] + C + Cᵀ), C = Σ_{τ<t} E[ψ_τψ_tᵀ]. A forward
 * pass carries F_t(s) = E[(Σ_{τ<t} ψ_τ)·1{y_t = s}]; then C = Σ_{(s,v)} G(s,v)ψ(s,v)ᵀ with G(s,v) = Σ_t π_t(v|s)F_t(s),
 * accumulated over prompts with their weights, so the d×d products happen once per bigram, not per position.
 */
export function sequenceFeatureCovariance(problem: SequenceProblem, policy: MarkovPolicy | MarkovRows): Float64Array {
  const rows = asRows(policy);
  const { prompts: X, vocab: V, length: L, dim: d, psi, contextWeights: w } = problem;
  const S = stride(problem);
  const occ = new Float64Array(S); // Σ_x w_x Σ_t e_t(s,v)
  const G = new Float64Array(S * d); // Σ_x w_x Σ_t π_t(v|s) F_t(s)
  const means = expectedSequenceFeatures(problem, rows);
  // The forward pass runs in core's sweep (the WebAssembly kernels, lanes over ψ's coordinates): a dense table's
  // prompts are read in place, row views are copied prompt by prompt into one table.
  const sweep = covarianceSweep(V, L, psi, d);
  const dense = "probs" in policy ? policy.probs : null;
  const table = dense ? null : new Float64Array(L * S);
  try {
    for (let x = 0; x < X; x++) {
      const mu = stateMarginals(rows, x);
      if (table) {
        for (let t = 0; t < L; t++) for (let s = 0; s <= V; s++) table.set(rows.row(x, t, s), (t * (V + 1) + s) * V);
        sweep.add(table, 0, mu, w[x]);
      } else sweep.add(dense as Float64Array, x * L * S, mu, w[x]);
    }
    sweep.read(occ, G);
  } finally {
    sweep.dispose();
  }
  const C = new Float64Array(d * d);
  const inv = 1 / (L * L);
  for (let i = 0; i < S; i++) {
    const o = occ[i];
    for (let a = 0; a < d; a++) {
      const pa = psi[i * d + a];
      const ga = G[i * d + a];
      for (let b = 0; b < d; b++) {
        const pb = psi[i * d + b];
        C[a * d + b] += inv * (o * pa * pb + ga * pb + G[i * d + b] * pa);
      }
    }
  }
  for (let x = 0; x < X; x++)
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) C[a * d + b] -= w[x] * means[x * d + a] * means[x * d + b];
  return C;
}
