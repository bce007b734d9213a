import { GshException, type Rng, invalidArgument } from "@gsh/core";
import type { SequenceMetrics, SequenceProblem, SequenceTruth } from "./problem";
import { bigramReward, sequenceReward } from "./dp";
import { referenceLogProb } from "./sampler";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * A Gibbs policy over sequences, π_b(y|x) ∝ π0(y|x)·exp(Σ_t b(y_{t−1}, y_t)/η), kept in factored form instead of
 * dense per-position tables: per prompt the kernel K(s,v) = π0(v|x,s)·exp(b(s,v)/η − m_s) and, per position, the
 * max-normalised backward message u_{t+1} and the row normalisers z_t(s), so π_t(v|s) = K(s,v)·u_{t+1}(v)/z_t(s).
 * That is X·(V+1)·V + 2·X·L·(V+1) numbers instead of X·L·(V+1)·V (S-large: 0.1 M instead of 2.7 M), and the metrics
 * follow from the identities log π/π0 = Σb/η − log Z without a logarithm per entry.
 */
export interface FactoredGibbsPolicy {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly eta: number;
  /** b(s, v): (V+1)·V. */
  readonly bigram: Float64Array;
  /** log Z_b(x) per prompt. */
  readonly logZ: Float64Array;
  /** K per prompt: X·(V+1)·V. */
  readonly kernel: Float64Array;
  /** u_t(v), t = 1..L (u_L = 1): X·L·(V+1), at [(x·L + t−1)·(V+1) + v]. */
  readonly messages: Float64Array;
  /** z_t(s), t = 0..L−1: X·L·(V+1). */
  readonly normalizers: Float64Array;
}

/** The factored Gibbs policy of a bigram reward b at temperature η (η defaults to the problem's). */
export function factoredGibbsPolicy(problem: SequenceProblem, b: Float64Array, eta = problem.eta): FactoredGibbsPolicy {
  if (!(eta > 0) || !Number.isFinite(eta))
    throw new GshException(invalidArgument("eta", `must be a finite number > 0, got ${eta}`));
  const { prompts: X, vocab: V, length: L } = problem;
  const S = (V + 1) * V;
  if (b.length !== S) throw new GshException(invalidArgument("bigram", `has ${b.length} entries, expected ${S}`));
  const kernel = new Float64Array(X * S);
  const messages = new Float64Array(X * L * (V + 1));
  const normalizers = new Float64Array(X * L * (V + 1));
  const logZ = new Float64Array(X);
  const rowMax = new Float64Array(V + 1);
  const w = new Float64Array(V + 1);
  for (let x = 0; x < X; x++) {
    const K = kernel.subarray(x * S, (x + 1) * S);
    for (let s = 0; s <= V; s++) {
      let m = -Infinity;
      for (let v = 0; v < V; v++) {
        const e = b[s * V + v] / eta;
        if (!Number.isFinite(e)) throw new GshException(invalidArgument("bigram", `b(${s}, ${v})/η = ${e}`));
        if (problem.reference[x * S + s * V + v] > 0 && e > m) m = e;
      }
      if (m === -Infinity) throw new GshException(invalidArgument("reference", `π0 has no support at (${x}, ${s})`));
      rowMax[s] = m;
      for (let v = 0; v < V; v++) {
        const p0 = problem.reference[x * S + s * V + v];
        K[s * V + v] = p0 > 0 ? p0 * Math.exp(b[s * V + v] / eta - m) : 0;
      }
    }
    // u_L = 1; going backwards, z_t(s) = Σ_v K(s,v)·u_{t+1}(v) and W_t(s) = m_s + log z_t(s) + (scale of u_{t+1}).
    let scale = 0;
    const uL = messages.subarray((x * L + L - 1) * (V + 1), (x * L + L) * (V + 1));
    uL.fill(1);
    for (let t = L - 1; t >= 0; t--) {
      const u = messages.subarray((x * L + t) * (V + 1), (x * L + t + 1) * (V + 1));
      const z = normalizers.subarray((x * L + t) * (V + 1), (x * L + t + 1) * (V + 1));
      let top = -Infinity;
      for (let s = 0; s <= V; s++) {
        let sum = 0;
        for (let v = 0; v < V; v++) sum += K[s * V + v] * u[v];
        if (!(sum > 1e-280) || !Number.isFinite(sum))
          throw new GshException(
            invalidArgument("bigram", `the Gibbs weights underflow at prompt ${x}, position ${t} (η too small for b)`),
          );
        z[s] = sum;
        w[s] = rowMax[s] + Math.log(sum);
        if (w[s] > top) top = w[s];
      }
      if (t === 0) logZ[x] = scale + w[V];
      else {
        const prev = messages.subarray((x * L + t - 1) * (V + 1), (x * L + t) * (V + 1));
        for (let s = 0; s <= V; s++) prev[s] = Math.exp(w[s] - top);
        scale += top;
      }
    }
  }
  return { prompts: X, vocab: V, length: L, eta, bigram: b, logZ, kernel, messages, normalizers };
}

/** The factored Gibbs policy of a linear reward <θ, φ>. */
export const linearSequenceGibbs = (problem: SequenceProblem, theta: Float64Array, eta = problem.eta) =>
  factoredGibbsPolicy(problem, bigramReward(problem, theta), eta);

/**
 * Occupancy of each bigram under π_b for prompt x: occ(s,v) = Σ_t μ_t(s)·π_t(v|s), by a forward pass over the
 * factored form (O(L·V²), no logarithms).
 */
export function gibbsOccupancy(policy: FactoredGibbsPolicy, x: number, out?: Float64Array): Float64Array {
  const { vocab: V, length: L } = policy;
  const S = (V + 1) * V;
  const occ = out ?? new Float64Array(S);
  occ.fill(0);
  const K = policy.kernel.subarray(x * S, (x + 1) * S);
  let mu = new Float64Array(V + 1);
  let next = new Float64Array(V + 1);
  mu[V] = 1;
  for (let t = 0; t < L; t++) {
    const u = policy.messages.subarray((x * L + t) * (V + 1), (x * L + t + 1) * (V + 1));
    const z = policy.normalizers.subarray((x * L + t) * (V + 1), (x * L + t + 1) * (V + 1));
    next.fill(0);
    for (let s = 0; s <= V; s++) {
      const m = mu[s];
      if (m === 0) continue;
      const c = m / z[s];
      for (let v = 0; v < V; v++) {
        const q = c * K[s * V + v] * u[v];
        occ[s * V + v] += q;
        next[v] += q;
      }
    }
    const tmp = mu;
    mu = next;
    next = tmp;
  }
  return occ;
}

/**
 * Exact metrics of a factored Gibbs policy: E r* from the occupancy, KL(π‖π0) = E_π[Σb]/η − log Z_b and
 * KL(π‖π*) = KL(π‖π0) − (E_π r*) / η + log Z*, per prompt (the identities of log π/π0 for Gibbs policies).
 */
export function evaluateGibbsPolicy(
  problem: SequenceProblem,
  truth: SequenceTruth,
  policy: FactoredGibbsPolicy,
): SequenceMetrics {
  const { prompts: X, vocab: V, eta, contextWeights: w } = problem;
  const S = (V + 1) * V;
  const occ = new Float64Array(S);
  let reward = 0,
    kl0 = 0,
    klStar = 0;
  for (let x = 0; x < X; x++) {
    gibbsOccupancy(policy, x, occ);
    let eb = 0,
      er = 0;
    for (let i = 0; i < S; i++) {
      eb += occ[i] * policy.bigram[i];
      er += occ[i] * truth.bigram[i];
    }
    const k0 = Math.max(0, eb / policy.eta - policy.logZ[x]);
    reward += w[x] * er;
    kl0 += w[x] * k0;
    klStar += w[x] * Math.max(0, k0 - er / eta + truth.logZ[x]);
  }
  return { objective: reward - eta * kl0, subopt: eta * klStar, trueReward: reward, klToReference: kl0 };
}

/** One exact sample y ~ π_b(·|x), computing each row on the fly from the (cache-resident) kernel and message. */
export function sampleGibbsSequence(
  policy: FactoredGibbsPolicy,
  x: number,
  rng: Rng,
  out: Int32Array = new Int32Array(policy.length),
): Int32Array {
  const { vocab: V, length: L, kernel, messages, normalizers } = policy;
  const S = (V + 1) * V;
  const ko = x * S;
  let s = V;
  for (let t = 0; t < L; t++) {
    const uo = (x * L + t) * (V + 1);
    // r < z_t(s) = Σ_v K(s,v)·u(v); subtract weights until r falls below 0. Rounding can leave r ≥ 0 after the last
    // token: then the draw is the last token with positive weight, as in the dense sampler.
    let r = rng.uniform() * normalizers[uo + s];
    const ro = ko + s * V;
    let v = 0;
    let last = -1;
    for (; v < V; v++) {
      const q = kernel[ro + v] * messages[uo + v];
      if (q > 0) last = v;
      r -= q;
      if (r < 0) break;
    }
    s = v < V && kernel[ro + v] > 0 ? v : last;
    out[t] = s;
  }
  return out;
}

/** log π_b(y|x) = Σ_t b(y_{t−1}, y_t)/η + log π0(y|x) − log Z_b(x). */
export function gibbsSequenceLogProb(
  problem: SequenceProblem,
  policy: FactoredGibbsPolicy,
  x: number,
  y: ArrayLike<number>,
): number {
  return sequenceReward(policy.bigram, policy.vocab, y) / policy.eta + referenceLogProb(problem, x, y) - policy.logZ[x];
}
