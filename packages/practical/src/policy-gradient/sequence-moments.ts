import { type MarkovRows, type SequenceProblem, referenceRow, stateMarginals } from "@gsh/preference";
import type { FutureFeatures } from "./sequence-model";

// Exact moments of a Markov policy over sequences that the gradient audit needs, by forward passes over its rows
// (O(L·V²·d) per prompt), never by enumerating Vᴸ responses.

/**
 * A per-token quantity κ_t(s, v) whose sum over a response is an additive functional K(y) = Σ_t κ_t(y_{t−1}, y_t),
 * handed out a row at a time: `(x, t, s)` → κ_t(s, ·) (V entries, read before the next call; never the policy's own
 * row buffer).
 */
export type TokenFunction = (x: number, t: number, s: number) => Float64Array;

/**
 * Σ_x d0(x)·Cov_{π(·|x)}(K, φ) (d entries) for an additive K: a forward pass carrying, per state, its probability α,
 * E[K_{≤t}; s], E[φ_{≤t}; s] and E[K_{≤t}·φ_{≤t}; s]. With κ = b (a bigram reward), K = r; with κ = log-ratio, K = log π/π0.
 */
export function additiveCovariance(problem: SequenceProblem, rows: MarkovRows, kappa: TokenFunction): Float64Array {
  const { prompts: X, vocab: V, length: L, dim: d, psi, contextWeights: w } = problem;
  const out = new Float64Array(d);
  const n = V + 1;
  let alpha = new Float64Array(n),
    K = new Float64Array(n),
    P = new Float64Array(n * d),
    C = new Float64Array(n * d);
  let alpha2 = new Float64Array(n),
    K2 = new Float64Array(n),
    P2 = new Float64Array(n * d),
    C2 = new Float64Array(n * d);
  for (let x = 0; x < X; x++) {
    if (w[x] === 0) continue;
    alpha.fill(0);
    K.fill(0);
    P.fill(0);
    C.fill(0);
    alpha[V] = 1;
    for (let t = 0; t < L; t++) {
      alpha2.fill(0);
      K2.fill(0);
      P2.fill(0);
      C2.fill(0);
      for (let s = 0; s <= V; s++) {
        const a = alpha[s];
        if (a === 0) continue;
        const kr = kappa(x, t, s);
        const row = rows.row(x, t, s);
        for (let v = 0; v < V; v++) {
          const p = row[v];
          if (p === 0) continue;
          const k = kr[v];
          const o = (s * V + v) * d;
          alpha2[v] += p * a;
          K2[v] += p * (K[s] + a * k);
          for (let j = 0; j < d; j++) {
            const ps = psi[o + j] / L;
            P2[v * d + j] += p * (P[s * d + j] + a * ps);
            C2[v * d + j] += p * (C[s * d + j] + K[s] * ps + k * P[s * d + j] + a * k * ps);
          }
        }
      }
      [alpha, alpha2] = [alpha2, alpha];
      [K, K2] = [K2, K];
      [P, P2] = [P2, P];
      [C, C2] = [C2, C];
    }
    let EK = 0;
    for (let s = 0; s < V; s++) EK += K[s];
    for (let j = 0; j < d; j++) {
      let EP = 0,
        EC = 0;
      for (let s = 0; s < V; s++) {
        EP += P[s * d + j];
        EC += C[s * d + j];
      }
      out[j] += w[x] * (EC - EK * EP);
    }
  }
  return out;
}

/** log π_t(v|x, s) − log π0(v|x, s): the per-token log-ratio of a policy's rows. */
export function tokenLogRatio(problem: SequenceProblem, rows: MarkovRows): TokenFunction {
  const { vocab: V, length: L } = problem;
  // one row of log-ratios per (prompt, position, state), filled on first use
  const cache = new Map<number, Float64Array>();
  return (x, t, s) => {
    const key = (x * L + t) * (V + 1) + s;
    let r = cache.get(key);
    if (!r) {
      const row = rows.row(x, t, s);
      const o = referenceRow(problem, x, s) * V;
      r = new Float64Array(V);
      for (let u = 0; u < V; u++) r[u] = Math.log(row[u]) - Math.log(problem.reference[o + u]);
      cache.set(key, r);
    }
    return r;
  };
}

/** f applied to every entry of a token function's rows (into one buffer, valid until the next call). */
export function mapTokenFunction(
  g: TokenFunction,
  V: number,
  f: (value: number, v: number, s: number) => number,
): TokenFunction {
  const out = new Float64Array(V);
  return (x, t, s) => {
    const r = g(x, t, s);
    for (let v = 0; v < V; v++) out[v] = f(r[v], v, s);
    return out;
  };
}

/**
 * Σ_x d0(x)·E_π[Σ_t c_t(y_{t−1}, y_t)·∇_w log π_t(y_t | y_{t−1})] for the log-linear sequence policy, with the token
 * score (ψ(s,v)/L + F_{t+1}(v) − F_t(s))/η: the expected gradient of a per-token loss, by the state marginals.
 */
export function expectedTokenScore(
  problem: SequenceProblem,
  rows: MarkovRows,
  future: FutureFeatures,
  c: TokenFunction,
): Float64Array {
  const { prompts: X, vocab: V, length: L, dim: d, psi, contextWeights: w, eta } = problem;
  const F = future.table;
  const out = new Float64Array(d);
  for (let x = 0; x < X; x++) {
    if (w[x] === 0) continue;
    const mu = stateMarginals(rows, x);
    for (let t = 0; t < L; t++)
      for (let s = 0; s <= V; s++) {
        const m = mu[t * (V + 1) + s];
        if (m === 0) continue;
        const cr = c(x, t, s);
        const row = rows.row(x, t, s);
        const now = future.offset(x, t, s);
        for (let v = 0; v < V; v++) {
          const p = row[v];
          if (p === 0) continue;
          const k = cr[v];
          if (k === 0) continue;
          const q = (w[x] * m * p * k) / eta;
          const o = (s * V + v) * d;
          const next = future.offset(x, t + 1, v);
          for (let j = 0; j < d; j++) out[j] += q * (psi[o + j] / L + F[next + j] - F[now + j]);
        }
      }
  }
  return out;
}
