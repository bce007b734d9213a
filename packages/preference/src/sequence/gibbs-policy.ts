import {
  GshException,
  type Rng,
  invalidArgument,
  leftProduct,
  getOrThrow,
  gibbsBackward,
  markovForward,
  promptFeatures,
  markovSecondMoments,
  validateEta,
} from "@gsh/core";
import { type ReferenceLayout, type SequenceProblem, referenceRow, referenceRows } from "./problem";
import { type MarkovRows, bigramReward, sequenceReward } from "./dp";
import { referenceLogProb } from "./sampler";
import { KernelExponentials } from "./kernel-exponentials";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * A Gibbs policy over sequences, π_b(y|x) ∝ π0(y|x)·exp(Σ_t b(y_{t−1}, y_t)/η), kept in factored form instead of
 * dense per-position tables: the kernel K(s,v) = π0(v|x,s)·exp(b(s,v)/η − m_s) and, per position, the
 * max-normalised backward message u_{t+1} and the row normalisers z_t(s), so π_t(v|s) = K(s,v)·u_{t+1}(v)/z_t(s).
 * That is X·(V+1)·V + 2·X·L·(V+1) numbers instead of X·L·(V+1)·V (S-large: 0.1 M instead of 2.7 M), and the metrics
 * follow from the identities log π/π0 = Σb/η − log Z without a logarithm per entry.
 *
 * With a shared π0 (`referenceLayout: "shared"`, the text testbed) the kernel has the same V + X rows as π0 and the
 * messages and normalisers of the states s < V are shared by all prompts: (V + X)·V + 2·L·(V+1) + X numbers, one
 * backward pass for all prompts. Read the tables through `kernelOffset`, `messageOffset` and `normalizerIndex`.
 */
export interface FactoredGibbsPolicy {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly eta: number;
  readonly referenceLayout: ReferenceLayout;
  /** b(s, v): (V+1)·V. */
  readonly bigram: Float64Array;
  /** log Z_b(x) per prompt. */
  readonly logZ: Float64Array;
  /** K in π0's row layout: X·(V+1)·V, or (V + X)·V when shared. */
  readonly kernel: Float64Array;
  /** u_t(v), t = 1..L (u_L = 1), at `messageOffset(policy, x, t − 1) + v`. */
  readonly messages: Float64Array;
  /** z_t(s), t = 0..L−1, at `normalizerIndex(policy, x, t, s)`. */
  readonly normalizers: Float64Array;
}

type Layout = Pick<FactoredGibbsPolicy, "prompts" | "vocab" | "length" | "referenceLayout">;

/** Offset of the kernel row K(s, ·) of prompt x. */
export const kernelOffset = (g: Layout, x: number, s: number) => referenceRow(g, x, s) * g.vocab;

/** Offset of u_{t+1}(·) of prompt x (the message read by the draw at position t). */
export const messageOffset = (g: Layout, x: number, t: number) =>
  (g.referenceLayout === "shared" ? t : x * g.length + t) * (g.vocab + 1);

/** Index of z_t(s) of prompt x; with a shared π0 the start state's normalisers follow the shared table. */
export const normalizerIndex = (g: Layout, x: number, t: number, s: number) =>
  g.referenceLayout === "shared"
    ? s < g.vocab
      ? t * (g.vocab + 1) + s
      : g.length * (g.vocab + 1) + x
    : (x * g.length + t) * (g.vocab + 1) + s;

/** The factored Gibbs policy of a bigram reward b at temperature η (η defaults to the problem's). */
export function factoredGibbsPolicy(problem: SequenceProblem, b: Float64Array, eta = problem.eta): FactoredGibbsPolicy {
  getOrThrow(validateEta(eta)); // one check of η for the whole toolkit (core), one error
  const { prompts: X, vocab: V, length: L } = problem;
  const S = (V + 1) * V;
  if (b.length !== S) throw new GshException(invalidArgument("bigram", `has ${b.length} entries, expected ${S}`));
  const referenceLayout: ReferenceLayout = problem.referenceLayout ?? "per-prompt";
  const shared = referenceLayout === "shared";
  const layout: Layout = { prompts: X, vocab: V, length: L, referenceLayout };
  const rows = referenceRows(problem);
  const kernel = new Float64Array(rows * V);
  const messages = new Float64Array((shared ? L : X * L) * (V + 1));
  const normalizers = new Float64Array(shared ? L * (V + 1) + X : X * L * (V + 1));
  const logZ = new Float64Array(X);
  // m_s per kernel row; filled once per row (a shared row is the same for every prompt).
  const rowMax = new Float64Array(rows);
  const exps = new KernelExponentials(V, eta);
  const reference = problem.reference;
  // b(s,v)/η once per bigram (the prompts share b), with each state's first non-finite one (refused when its row
  // is formed, as before).
  const scaled = new Float64Array(S);
  const firstBad = new Int32Array(V + 1).fill(-1);
  for (let i = 0; i < S; i++) {
    const e = b[i] / eta;
    scaled[i] = e;
    if (!Number.isFinite(e) && firstBad[Math.floor(i / V)] < 0) firstBad[Math.floor(i / V)] = i % V;
  }
  const fullRows = positiveRows(reference, rows, V);
  const fullRowMax = new Float64Array(V + 1).fill(Number.NaN);
  const kernelRow = (x: number, s: number) => {
    const r = referenceRow(problem, x, s);
    const o = r * V;
    if (firstBad[s] >= 0) {
      const v = firstBad[s];
      throw new GshException(invalidArgument("bigram", `b(${s}, ${v})/η = ${scaled[s * V + v]}`));
    }
    let m = -Infinity;
    if (fullRows[r] === 1) {
      // π0 > 0 on the whole row: m_s is the row's maximum of b/η, the same for every prompt (found once).
      if (Number.isNaN(fullRowMax[s])) {
        for (let v = 0; v < V; v++) {
          const e = scaled[s * V + v];
          if (e > m) m = e;
        }
        fullRowMax[s] = m;
      } else m = fullRowMax[s];
    } else
      for (let v = 0; v < V; v++) {
        const e = scaled[s * V + v];
        if (reference[o + v] > 0 && e > m) m = e;
      }
    if (m === -Infinity) throw new GshException(invalidArgument("reference", `π0 has no support at (${x}, ${s})`));
    rowMax[r] = m;
    exps.fill(shared ? m : s, m, reference, o, b, s * V, kernel, o);
  };
  const underflow = (x: number, t: number) =>
    new GshException(
      invalidArgument("bigram", `the Gibbs weights underflow at prompt ${x}, position ${t} (η too small for b)`),
    );
  // z_t(s) = Σ_v K(s,v)·u_{t+1}(v); W_t(s) = m_s + log z_t(s) + (scale of u_{t+1}).
  const rowSum = (ko: number, uo: number) => {
    let sum = 0;
    for (let v = 0; v < V; v++) sum += kernel[ko + v] * messages[uo + v];
    return sum;
  };
  const w = new Float64Array(V + 1);
  const failedAt = new Int32Array(1);
  // One backward pass over the states s ∈ [0, sEnd) for prompt x (shared: x = 0 stands for all prompts) in core's
  // kernel; returns the scale of u_1, with the log-weights W_0 left in w. The states' kernel rows, row maxima,
  // messages and normalisers are contiguous (per prompt, rows x·(V+1) + s and z_t(s) at (x·L + t)·(V+1) + s;
  // shared, rows s < V and z_t(s) at t·(V+1) + s).
  const backward = (x: number, sEnd: number) => {
    const scale = gibbsBackward(
      {
        kernel,
        kernelOffset: kernelOffset(layout, x, 0),
        rowMax,
        rowMaxOffset: referenceRow(problem, x, 0),
        messages,
        messageOffset: messageOffset(layout, x, 0),
        normalizers,
        normalizerOffset: normalizerIndex(layout, x, 0, 0),
        stride: V + 1,
      },
      sEnd,
      V,
      L,
      w,
      failedAt,
    );
    if (Number.isNaN(scale)) throw underflow(x, failedAt[0]);
    return scale;
  };
  if (!shared) {
    for (let x = 0; x < X; x++) {
      for (let s = 0; s <= V; s++) kernelRow(x, s);
      logZ[x] = backward(x, V + 1) + w[V];
    }
  } else {
    for (let s = 0; s < V; s++) kernelRow(0, s);
    const scale = backward(0, V);
    const u1 = messageOffset(layout, 0, 0);
    for (let x = 0; x < X; x++) {
      kernelRow(x, V);
      const sum = rowSum(kernelOffset(layout, x, V), u1);
      if (!(sum > 1e-280) || !Number.isFinite(sum)) throw underflow(x, 0);
      normalizers[normalizerIndex(layout, x, 0, V)] = sum;
      logZ[x] = scale + rowMax[referenceRow(problem, x, V)] + Math.log(sum);
    }
  }
  return { prompts: X, vocab: V, length: L, eta, referenceLayout, bigram: b, logZ, kernel, messages, normalizers };
}

/** Per row of a π0 table, 1 where all V entries are > 0; computed once per table (π0 tables are not modified). */
function positiveRows(reference: Float64Array, rows: number, V: number): Uint8Array {
  let full = positiveRowCache.get(reference);
  if (full === undefined) {
    full = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      let v = 0;
      while (v < V && reference[r * V + v] > 0) v++;
      full[r] = v === V ? 1 : 0;
    }
    positiveRowCache.set(reference, full);
  }
  return full;
}

const positiveRowCache = new WeakMap<Float64Array, Uint8Array>();

/** The factored Gibbs policy of a linear reward <θ, φ>. */
export const linearSequenceGibbs = (problem: SequenceProblem, theta: Float64Array, eta = problem.eta) =>
  factoredGibbsPolicy(problem, bigramReward(problem, theta), eta);

/**
 * Occupancy of each bigram under π_b for prompt x: occ(s,v) = Σ_t μ_t(s)·π_t(v|s), by a forward pass over the
 * factored form (O(L·V²), no logarithms).
 */
export function gibbsOccupancy(policy: FactoredGibbsPolicy, x: number, out?: Float64Array): Float64Array {
  const occ = out ?? new Float64Array((policy.vocab + 1) * policy.vocab);
  occ.fill(0);
  const start = new Float64Array(policy.prompts);
  start[x] = 1;
  forwardOccupancy(policy, start, occ);
  return occ;
}

/**
 * Σ_x w_x·occ_x(s,v): the occupancy of the prompt mixture. With a shared π0 every prompt leaves the start state into
 * the same Markov chain, so this is one forward pass whatever the number of prompts; otherwise one per prompt.
 */
export function gibbsMixtureOccupancy(policy: FactoredGibbsPolicy, weights: Float64Array, out?: Float64Array) {
  const occ = out ?? new Float64Array((policy.vocab + 1) * policy.vocab);
  occ.fill(0);
  if (policy.referenceLayout === "shared") forwardOccupancy(policy, weights, occ);
  else {
    const start = new Float64Array(policy.prompts);
    for (let x = 0; x < policy.prompts; x++) {
      if (weights[x] === 0) continue;
      start.fill(0);
      start[x] = weights[x];
      forwardOccupancy(policy, start, occ);
    }
  }
  return occ;
}

// Adds Σ_x start[x]·occ_x to occ. Prompts with start[x] ≠ 0 must share their rows after t = 0 (always true for one
// prompt; true for all prompts when π0 is shared).
function forwardOccupancy(policy: FactoredGibbsPolicy, start: Float64Array, occ: Float64Array): void {
  const { vocab: V, length: L, kernel, messages, normalizers } = policy;
  let x0 = -1;
  const next = new Float64Array(V + 1);
  // t = 0: every prompt leaves its own start row.
  for (let x = 0; x < policy.prompts; x++) {
    const m = start[x];
    if (m === 0) continue;
    if (x0 < 0) x0 = x;
    const ko = kernelOffset(policy, x, V);
    const uo = messageOffset(policy, x, 0);
    const c = m / normalizers[normalizerIndex(policy, x, 0, V)];
    for (let v = 0; v < V; v++) {
      const q = c * kernel[ko + v] * messages[uo + v];
      occ[V * V + v] += q;
      next[v] += q;
    }
  }
  if (x0 < 0) return;
  // t ≥ 1: the states s < V have consecutive kernel rows, messages and normalisers (stride V + 1).
  markovForward(
    {
      kernel,
      kernelOffset: kernelOffset(policy, x0, 0),
      vocab: V,
      length: L,
      messages,
      messageOffset: messageOffset(policy, x0, 0),
      normalizers,
      normalizerOffset: normalizerIndex(policy, x0, 0, 0),
      stride: V + 1,
    },
    next,
    occ,
  );
}

/** The policy's rows π_t(v|x, s) = K(s,v)·u_{t+1}(v)/z_t(s), computed on demand into one buffer. */
export function gibbsRows(policy: FactoredGibbsPolicy): MarkovRows {
  const { vocab: V, kernel, messages, normalizers } = policy;
  const buf = new Float64Array(V);
  return {
    prompts: policy.prompts,
    vocab: V,
    length: policy.length,
    row(x, t, s) {
      const ko = kernelOffset(policy, x, s);
      const uo = messageOffset(policy, x, t);
      const c = 1 / normalizers[normalizerIndex(policy, x, t, s)];
      for (let v = 0; v < V; v++) buf[v] = c * kernel[ko + v] * messages[uo + v];
      return buf;
    },
  };
}

/**
 * φ(x, π_b) for every prompt (X × d). Per prompt, from its bigram occupancy (a forward pass each); with a shared π0,
 * by one backward pass for all prompts instead: H_t(s) = E[Σ_{τ≥t} ψ(y_τ, y_{τ+1}) | y_t = s] obeys
 * H_t(s) = Σ_v π_t(v|s)·(ψ(s,v) + H_{t+1}(v)), H_L = 0, on the shared rows, and each prompt only adds its start row:
 * L·V²·d work whatever the number of prompts (the enhancer calls this hundreds of times a round).
 */
export function expectedGibbsFeatures(problem: SequenceProblem, policy: FactoredGibbsPolicy): Float64Array {
  if (policy.referenceLayout === "shared") return sharedExpectedFeatures(problem, policy);
  // Per prompt, its occupancy from the start row and the forward sweep, then Σ_i occ(i)/L·ψ(i) in i order: all
  // prompts in one call of core's kernel (the steps gibbsOccupancy and weightedRowSums take, in their order).
  const { prompts: X, vocab: V, length: L, dim: d, psi } = problem;
  return promptFeatures(policy.kernel, policy.messages, policy.normalizers, V, L, X, psi, d);
}

function sharedExpectedFeatures(problem: SequenceProblem, policy: FactoredGibbsPolicy): Float64Array {
  if (problem.featureFactors) return factoredExpectedFeatures(problem, problem.featureFactors, policy);
  const { prompts: X, vocab: V, length: L, dim: d, psi } = problem;
  const { kernel, messages, normalizers } = policy;
  let H = new Float64Array(V * d); // H_{t+1}, rows v < V
  let next = new Float64Array(V * d);
  // Σ_v π(v|·)·(ψ(s,v) + H_{t+1}(v)) for one row, into out.
  const accumulate = (ko: number, uo: number, s: number, c: number, out: Float64Array, o: number) => {
    for (let v = 0; v < V; v++) {
      const p = c * kernel[ko + v] * messages[uo + v];
      if (p === 0) continue;
      const ps = (s * V + v) * d,
        hv = v * d;
      for (let k = 0; k < d; k++) out[o + k] += p * (psi[ps + k] + H[hv + k]);
    }
  };
  for (let t = L - 1; t >= 1; t--) {
    next.fill(0);
    const uo = messageOffset(policy, 0, t);
    for (let s = 0; s < V; s++)
      accumulate(kernelOffset(policy, 0, s), uo, s, 1 / normalizers[normalizerIndex(policy, 0, t, s)], next, s * d);
    const tmp = H;
    H = next;
    next = tmp;
  }
  if (L === 1) H.fill(0);
  const features = new Float64Array(X * d);
  const u1 = messageOffset(policy, 0, 0);
  for (let x = 0; x < X; x++) {
    accumulate(kernelOffset(policy, x, V), u1, V, 1 / normalizers[normalizerIndex(policy, x, 0, V)], features, x * d);
    for (let k = 0; k < d; k++) features[x * d + k] /= L;
  }
  return features;
}

/**
 * The shared backward pass with ψ(s,v) = word(v) + [s = v]·same(v): every row's contraction is one matrix product,
 * H_t = diag(1/z_t)·(K·(u_{t+1} ∘ (W + H_{t+1})) + diag(K(s,s)·u_{t+1}(s))·D), with K the V×V shared kernel (the
 * first V rows of the shared table): L products of V×V by V×d through `gemm` instead of L·V²·d scalar steps.
 */
function factoredExpectedFeatures(
  problem: SequenceProblem,
  factors: NonNullable<SequenceProblem["featureFactors"]>,
  policy: FactoredGibbsPolicy,
): Float64Array {
  const { prompts: X, vocab: V, length: L, dim: d } = problem;
  const { kernel, messages, normalizers } = policy;
  const { word: W, same: D } = factors;
  const K = kernel.subarray(0, V * V);
  const Y = new Float64Array(V * d);
  let H = new Float64Array(V * d);
  const KY = new Float64Array(V * d);
  // K is the same at every position: packed into the product kernel's panels once, not L − 1 times.
  const timesK = leftProduct(K, V, V);
  try {
    for (let t = L - 1; t >= 1; t--) {
      const uo = messageOffset(policy, 0, t);
      for (let v = 0; v < V; v++) {
        const u = messages[uo + v];
        for (let k = 0; k < d; k++) Y[v * d + k] = u * (W[v * d + k] + H[v * d + k]);
      }
      timesK.times(Y, d, KY);
      const next = new Float64Array(V * d);
      for (let s = 0; s < V; s++) {
        const c = 1 / normalizers[normalizerIndex(policy, 0, t, s)];
        const diag = K[s * V + s] * messages[uo + s];
        for (let k = 0; k < d; k++) next[s * d + k] = c * (KY[s * d + k] + diag * D[s * d + k]);
      }
      H = next;
    }
  } finally {
    timesK.dispose();
  }
  if (L === 1) H.fill(0);
  // Each prompt's start row: features_x = (1/L)·Σ_v π_0(v|x)·(W(v) + H_1(v)) (no repeat after the prompt).
  const features = new Float64Array(X * d);
  const u1 = messageOffset(policy, 0, 0);
  for (let x = 0; x < X; x++) {
    const ko = kernelOffset(policy, x, V);
    const c = 1 / (L * normalizers[normalizerIndex(policy, x, 0, V)]);
    for (let v = 0; v < V; v++) {
      const p = c * kernel[ko + v] * messages[u1 + v];
      if (p === 0) continue;
      for (let k = 0; k < d; k++) features[x * d + k] += p * (W[v * d + k] + H[v * d + k]);
    }
  }
  return features;
}

/**
 * E_x Cov_{π_b(·|x)}(φ) (d×d) for a Gibbs policy over a shared π0, by one backward pass for all prompts: with
 * S_t = Σ_{τ≥t} ψ(y_τ, y_{τ+1}), m_t(s) = E[S_t | y_t = s] and M_t(s) = E[S_t S_tᵀ | y_t = s] satisfy
 * M_t(s) = Σ_v π_t(v|s)·(ψψᵀ + ψ m_{t+1}(v)ᵀ + m_{t+1}(v) ψᵀ + M_{t+1}(v)) with ψ = ψ(s,v); each prompt then adds its
 * start row. O(L·V²·d²) whatever the number of prompts (the per-prompt forward pass is X times that).
 */
export function sharedFeatureCovariance(problem: SequenceProblem, policy: FactoredGibbsPolicy): Float64Array {
  if (policy.referenceLayout !== "shared")
    throw new GshException(invalidArgument("policy", "sharedFeatureCovariance needs a shared-π0 policy"));
  const { prompts: X, vocab: V, length: L, dim: d, psi, contextWeights: w } = problem;
  const { kernel, messages, normalizers } = policy;
  const dd = d * d;
  const m = new Float64Array(V * d),
    M = new Float64Array(V * dd);
  const row = (
    ko: number,
    uo: number,
    s: number,
    c: number,
    mo: Float64Array,
    o: number,
    Mo: Float64Array,
    O: number,
  ) => {
    for (let v = 0; v < V; v++) {
      const p = c * kernel[ko + v] * messages[uo + v];
      if (p === 0) continue;
      const ps = (s * V + v) * d,
        mv = v * d,
        Mv = v * dd;
      for (let a = 0; a < d; a++) {
        const pa = psi[ps + a],
          ma = m[mv + a];
        mo[o + a] += p * (pa + ma);
        for (let b = 0; b < d; b++) {
          const pb = psi[ps + b];
          Mo[O + a * d + b] += p * (pa * pb + pa * m[mv + b] + ma * pb + M[Mv + a * d + b]);
        }
      }
    }
  };
  // Positions L−1..1 on the shared rows: core's second-moment recursion (each sum in the order of the row loop
  // below, which the prompts' start rows use).
  markovSecondMoments(
    {
      kernel,
      kernelOffset: kernelOffset(policy, 0, 0),
      vocab: V,
      length: L,
      messages,
      messageOffset: messageOffset(policy, 0, 0),
      normalizers,
      normalizerOffset: normalizerIndex(policy, 0, 0, 0),
      stride: V + 1,
    },
    psi,
    d,
    m,
    M,
  );
  const C = new Float64Array(dd);
  const mx = new Float64Array(d),
    Mx = new Float64Array(dd);
  const u1 = messageOffset(policy, 0, 0);
  const inv = 1 / (L * L);
  for (let x = 0; x < X; x++) {
    mx.fill(0);
    Mx.fill(0);
    row(kernelOffset(policy, x, V), u1, V, 1 / normalizers[normalizerIndex(policy, x, 0, V)], mx, 0, Mx, 0);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) C[a * d + b] += w[x] * inv * (Mx[a * d + b] - mx[a] * mx[b]);
  }
  return C;
}

/**
 * One exact sample y ~ π_b(·|x), computing each row on the fly from the (cache-resident) kernel and message. With a
 * shared π0 (V in the thousands) the rows after the prompt are shared by every draw: their cumulative weights are
 * cached per policy (up to `CDF_CACHE_ROWS` rows) and each token is a binary search instead of a pass over V.
 */
export function sampleGibbsSequence(
  policy: FactoredGibbsPolicy,
  x: number,
  rng: Rng,
  out: Int32Array = new Int32Array(policy.length),
): Int32Array {
  const { vocab: V, length: L, kernel, messages, normalizers } = policy;
  const shared = policy.referenceLayout === "shared";
  let s = V;
  for (let t = 0; t < L; t++) {
    if (shared && s < V) {
      out[t] = s = drawSharedRow(policy, t, s, rng);
      continue;
    }
    const uo = messageOffset(policy, x, t);
    // r < z_t(s) = Σ_v K(s,v)·u(v); subtract weights until r falls below 0. Rounding can leave r ≥ 0 after the last
    // token: then the draw is the last token with positive weight, as in the dense sampler.
    let r = rng.uniform() * normalizers[normalizerIndex(policy, x, t, s)];
    const ro = kernelOffset(policy, x, s);
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

/** Rows of cumulative weights a shared-π0 policy keeps for sampling (V = 2048: 16 KB a row, 64 MB at most). */
export const CDF_CACHE_ROWS = 4096;

interface SharedSampler {
  /** ū(v) = max_t u_{t+1}(v): the envelope of the messages over positions 1..L−1. */
  readonly envelope: Float64Array;
  readonly rows: Map<number, Float64Array>;
}
const samplers = new WeakMap<FactoredGibbsPolicy, SharedSampler>();

/**
 * One exact draw from the shared row (t, s), s < V, by rejection: propose v ∝ K(s,v)·ū(v) (one cumulative row per
 * state s, cached, found by binary search), accept with probability u_{t+1}(v)/ū(v) ≤ 1. The accepted v has law
 * ∝ K(s,v)·u_{t+1}(v), the policy's row. Per-(t, s) tables would be L times as many rows (10⁴ draws at V = 2048
 * visit ~13 000 of them); the messages vary little with t, so acceptance is high.
 */
function drawSharedRow(policy: FactoredGibbsPolicy, t: number, s: number, rng: Rng): number {
  const V = policy.vocab;
  let sampler = samplers.get(policy);
  if (!sampler) {
    const envelope = new Float64Array(V);
    for (let tt = 1; tt < policy.length; tt++) {
      const uo = messageOffset(policy, 0, tt);
      for (let v = 0; v < V; v++) envelope[v] = Math.max(envelope[v], policy.messages[uo + v]);
    }
    samplers.set(policy, (sampler = { envelope, rows: new Map() }));
  }
  const { envelope, rows } = sampler;
  let cdf = rows.get(s);
  if (!cdf) {
    const ko = kernelOffset(policy, 0, s);
    cdf = new Float64Array(V);
    let acc = 0;
    for (let v = 0; v < V; v++) cdf[v] = acc += policy.kernel[ko + v] * envelope[v];
    if (rows.size < CDF_CACHE_ROWS) rows.set(s, cdf);
  }
  const uo = messageOffset(policy, 0, t);
  for (;;) {
    const r = rng.uniform() * cdf[V - 1];
    let lo = 0,
      hi = V - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    if (rng.uniform() * envelope[lo] < policy.messages[uo + lo]) return lo;
  }
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
