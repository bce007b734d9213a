import { assertDims } from "./errors";
import { type KernelExports, WasmScope, wasmKernels } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * The two sweeps of a Markov chain's dynamic programme (the sequence bandit's backward messages and forward
 * occupancy), in a fixed order of floating-point operations: every output is the sum, in index order, of the same
 * products as the plain row-at-a-time loop, whichever backend runs it. So the WebAssembly kernels and the
 * TypeScript reference give identical numbers (tested bit for bit), and results do not depend on the backend.
 * Both process four rows per sweep: independent sums hide the latency of the adds that one running sum waits on.
 */

/** Row sums of a block of matrix rows against many vectors, one vector at a time (a backward pass). */
export interface RowSums {
  /** Loads the block: `rows` rows of length n from K, row-major, starting at `offset`. */
  load(K: Float64Array, offset: number): void;
  /** out[s] = Σ_v K[s, v]·u[uo + v] for s < rows, each summed over v in order. */
  sums(u: Float64Array, uo: number, out: Float64Array): void;
  /** Frees the kernels' memory (a no-op for the TypeScript backend). */
  dispose(): void;
}

/** A `RowSums` for blocks of rows × n. */
export function rowSums(rows: number, n: number): RowSums {
  return wasmKernels ? wasmRowSums(wasmKernels, rows, n) : referenceRowSums(rows, n);
}

/** The TypeScript backend of `rowSums` (exported for the tests). */
export function referenceRowSums(rows: number, n: number): RowSums {
  let K: Float64Array = new Float64Array(0);
  let ko = 0;
  return {
    load(k, offset) {
      assertDims(k.length >= offset + rows * n, `rowSums: K has ${k.length} entries, needs ${offset + rows * n}`);
      K = k;
      ko = offset;
    },
    sums(u, uo, out) {
      let s = 0;
      for (; s + 4 <= rows; s += 4) {
        const k0 = ko + s * n,
          k1 = k0 + n,
          k2 = k1 + n,
          k3 = k2 + n;
        let a = 0,
          b = 0,
          c = 0,
          d = 0;
        for (let v = 0; v < n; v++) {
          const m = u[uo + v];
          a += K[k0 + v] * m;
          b += K[k1 + v] * m;
          c += K[k2 + v] * m;
          d += K[k3 + v] * m;
        }
        out[s] = a;
        out[s + 1] = b;
        out[s + 2] = c;
        out[s + 3] = d;
      }
      for (; s < rows; s++) {
        const k0 = ko + s * n;
        let a = 0;
        for (let v = 0; v < n; v++) a += K[k0 + v] * u[uo + v];
        out[s] = a;
      }
    },
    dispose() {},
  };
}

function wasmRowSums(w: KernelExports, rows: number, n: number): RowSums {
  const rp = (rows + 1) & ~1;
  const scope = new WasmScope(w);
  const kp = scope.alloc(rows * n);
  const kT = scope.alloc(n * rp);
  const up = scope.alloc(n);
  const op = scope.alloc(rp);
  // Views are taken at each use: another scope's allocation may grow the memory and detach older ones.
  return {
    load(k, offset) {
      assertDims(k.length >= offset + rows * n, `rowSums: K has ${k.length} entries, needs ${offset + rows * n}`);
      scope.f64(kp, rows * n).set(k.subarray(offset, offset + rows * n));
      w.transposeRowsPadded(kp, rows, n, kT);
    },
    sums(u, uo, out) {
      scope.f64(up, n).set(u.subarray(uo, uo + n));
      w.rowSumsT(kT, rows, n, up, op);
      out.set(scope.f64(op, rows));
    },
    dispose() {
      scope.dispose();
    },
  };
}

/** The tables of a forward sweep; see `markovForward`. */
export interface MarkovForwardInput {
  /** Row s of the kernel K(s, ·) (s < V) at kernelOffset + s·V. */
  readonly kernel: Float64Array;
  readonly kernelOffset: number;
  readonly vocab: number;
  readonly length: number;
  /** u_t(v) at messageOffset + t·stride + v. */
  readonly messages: Float64Array;
  readonly messageOffset: number;
  /** z_t(s) at normalizerOffset + t·stride + s. */
  readonly normalizers: Float64Array;
  readonly normalizerOffset: number;
  readonly stride: number;
}

/**
 * The forward sweep over positions t = 1..L−1 of a chain whose rows are π_t(v|s) = K(s,v)·u_t(v)/z_t(s): from the
 * mass mu at position 1 (V entries, overwritten), adds Σ_t μ_t(s)·π_t(v|s) to occ[s·V + v] and carries
 * μ_{t+1}(v) = Σ_s μ_t(s)·π_t(v|s). The terms of every sum are added in s (then t) order.
 */
export function markovForward(input: MarkovForwardInput, mu: Float64Array, occ: Float64Array): void {
  const { vocab: V, length: L, stride } = input;
  assertDims(
    input.kernel.length >= input.kernelOffset + V * V &&
      input.messages.length >= input.messageOffset + (L - 1) * stride + V &&
      input.normalizers.length >= input.normalizerOffset + (L - 1) * stride + V &&
      mu.length >= V &&
      occ.length >= V * V,
    `markovForward: tables too short for V=${V}, L=${L}, stride=${stride}`,
  );
  if (L < 2) return;
  if (wasmKernels) wasmMarkovForward(wasmKernels, input, mu, occ);
  else referenceMarkovForward(input, mu, occ);
}

/** The TypeScript backend of `markovForward` (exported for the tests). */
export function referenceMarkovForward(input: MarkovForwardInput, muIn: Float64Array, occ: Float64Array): void {
  const { kernel, vocab: V, length: L, messages, normalizers, stride } = input;
  const ko = input.kernelOffset;
  let mu = Float64Array.from(muIn.subarray(0, V));
  let next = new Float64Array(V);
  for (let t = 1; t < L; t++) {
    next.fill(0);
    const uo = input.messageOffset + t * stride;
    const zo = input.normalizerOffset + t * stride;
    let s = 0;
    for (; s + 4 <= V; s += 4) {
      const c0 = mu[s] / normalizers[zo + s],
        c1 = mu[s + 1] / normalizers[zo + s + 1],
        c2 = mu[s + 2] / normalizers[zo + s + 2],
        c3 = mu[s + 3] / normalizers[zo + s + 3];
      const k0 = ko + s * V,
        o0 = s * V;
      for (let v = 0; v < V; v++) {
        const u = messages[uo + v];
        const q0 = c0 * kernel[k0 + v] * u,
          q1 = c1 * kernel[k0 + V + v] * u,
          q2 = c2 * kernel[k0 + 2 * V + v] * u,
          q3 = c3 * kernel[k0 + 3 * V + v] * u;
        occ[o0 + v] += q0;
        occ[o0 + V + v] += q1;
        occ[o0 + 2 * V + v] += q2;
        occ[o0 + 3 * V + v] += q3;
        next[v] = next[v] + q0 + q1 + q2 + q3;
      }
    }
    for (; s < V; s++) {
      const m = mu[s];
      if (m === 0) continue;
      const k0 = ko + s * V;
      const c = m / normalizers[zo + s];
      for (let v = 0; v < V; v++) {
        const q = c * kernel[k0 + v] * messages[uo + v];
        occ[s * V + v] += q;
        next[v] += q;
      }
    }
    const tmp = mu;
    mu = next;
    next = tmp;
  }
  muIn.set(mu);
}

/** The chain's kernel rows, messages and normalisers (positions 0..L−1) copied into the kernels' memory. */
function copyChainTables(s: WasmScope, input: MarkovForwardInput): { k: number; u: number; z: number } {
  const { vocab: V, length: L, stride } = input;
  const span = (L - 1) * stride + V;
  return {
    k: s.copyIn(input.kernel.subarray(input.kernelOffset, input.kernelOffset + V * V)),
    u: s.copyIn(input.messages.subarray(input.messageOffset, input.messageOffset + span)),
    z: s.copyIn(input.normalizers.subarray(input.normalizerOffset, input.normalizerOffset + span)),
  };
}

function wasmMarkovForward(w: KernelExports, input: MarkovForwardInput, mu: Float64Array, occ: Float64Array): void {
  const { vocab: V, length: L, stride } = input;
  const s = new WasmScope(w);
  try {
    const { k, u, z } = copyChainTables(s, input);
    const m = s.copyIn(mu, V);
    const next = s.alloc(V);
    const o = s.copyIn(occ, V * V);
    w.markovForward(k, V, u, z, stride, L, m, next, o);
    occ.set(s.f64(o, V * V));
    mu.set(s.f64(m, V));
  } finally {
    s.dispose();
  }
}

/** Weighted sums of the rows of a fixed matrix A (n × d), for many weight vectors (expected features). */
export interface WeightedRowSums {
  /** out[oo + k] += Σ_i (w[wo + i]/div)·A[i, k] for k < d, the terms added in i order. */
  add(w: Float64Array, wo: number, div: number, out: Float64Array, oo: number): void;
  /** Frees the kernels' memory (a no-op for the TypeScript backend). */
  dispose(): void;
}

/** A `WeightedRowSums` over A (n × d, row-major). */
export function weightedRowSums(A: Float64Array, n: number, d: number): WeightedRowSums {
  assertDims(A.length >= n * d, `weightedRowSums: A has ${A.length} entries, needs ${n * d}`);
  return wasmKernels ? wasmWeightedRowSums(wasmKernels, A, n, d) : referenceWeightedRowSums(A, n, d);
}

/** The TypeScript backend of `weightedRowSums` (exported for the tests). */
export function referenceWeightedRowSums(A: Float64Array, n: number, d: number): WeightedRowSums {
  return {
    add(w, wo, div, out, oo) {
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const c0 = w[wo + i] / div,
          c1 = w[wo + i + 1] / div,
          c2 = w[wo + i + 2] / div,
          c3 = w[wo + i + 3] / div;
        const p0 = i * d;
        for (let k = 0; k < d; k++)
          out[oo + k] =
            out[oo + k] + c0 * A[p0 + k] + c1 * A[p0 + d + k] + c2 * A[p0 + 2 * d + k] + c3 * A[p0 + 3 * d + k];
      }
      for (; i < n; i++) {
        const c = w[wo + i] / div;
        if (c === 0) continue;
        for (let k = 0; k < d; k++) out[oo + k] += c * A[i * d + k];
      }
    },
    dispose() {},
  };
}

function wasmWeightedRowSums(w: KernelExports, A: Float64Array, n: number, d: number): WeightedRowSums {
  const scope = new WasmScope(w);
  const ap = scope.copyIn(A, n * d);
  const wp = scope.alloc(n);
  const op = scope.alloc(d);
  return {
    add(weights, wo, div, out, oo) {
      // Views at each use, as in wasmRowSums.
      scope.f64(wp, n).set(weights.subarray(wo, wo + n));
      scope.f64(op, d).set(out.subarray(oo, oo + d));
      w.addWeightedRows(wp, n, div, ap, d, op);
      out.set(scope.f64(op, d), oo);
    },
    dispose() {
      scope.dispose();
    },
  };
}

/**
 * The backward recursion of the first and second moments of additive features ψ(s, v) (d each) along a Markov chain
 * with rows π_t(v|s) = K(s,v)·u_t(v)/z_t(s) (the tables of `markovForward`; ψ(s, ·) at s·V·d, s < V), over positions
 * t = L−1..1: m_t(s) = Σ_v π_t(v|s)·(ψ(s,v) + m_{t+1}(v)) and
 * M_t(s) = Σ_v π_t(v|s)·(ψψᵀ + ψ·m_{t+1}(v)ᵀ + m_{t+1}(v)·ψᵀ + M_{t+1}(v)), zero-probability terms skipped, each sum
 * over v in order. m (V×d) and M (V×d×d) hold m_L = M_L = 0 on entry (or any terminal moments) and m_1, M_1 on
 * return. What a shared-π0 sequence policy's feature covariance needs.
 */
export function markovSecondMoments(
  input: MarkovForwardInput,
  psi: Float64Array,
  d: number,
  m: Float64Array,
  M: Float64Array,
): void {
  const { vocab: V, length: L, stride } = input;
  assertDims(
    psi.length >= V * V * d &&
      m.length >= V * d &&
      M.length >= V * d * d &&
      input.messages.length >= input.messageOffset + (L - 1) * stride + V &&
      input.normalizers.length >= input.normalizerOffset + (L - 1) * stride + V,
    `markovSecondMoments: ψ has ${psi.length} entries (needs ${V * V * d}), m ${m.length}, M ${M.length}`,
  );
  if (L < 2) return;
  if (wasmKernels) wasmSecondMoments(wasmKernels, input, psi, d, m, M);
  else referenceMarkovSecondMoments(input, psi, d, m, M);
}

/** The TypeScript backend of `markovSecondMoments` (exported for the tests). */
export function referenceMarkovSecondMoments(
  input: MarkovForwardInput,
  psi: Float64Array,
  d: number,
  mIn: Float64Array,
  MIn: Float64Array,
): void {
  const { kernel, vocab: V, length: L, messages, normalizers, stride } = input;
  const dd = d * d;
  let m = Float64Array.from(mIn.subarray(0, V * d)),
    M = Float64Array.from(MIn.subarray(0, V * dd));
  let m2 = new Float64Array(V * d),
    M2 = new Float64Array(V * dd);
  for (let t = L - 1; t >= 1; t--) {
    m2.fill(0);
    M2.fill(0);
    const uo = input.messageOffset + t * stride;
    const zo = input.normalizerOffset + t * stride;
    for (let s = 0; s < V; s++) {
      const ko = input.kernelOffset + s * V;
      const c = 1 / normalizers[zo + s];
      for (let v = 0; v < V; v++) {
        const p = c * kernel[ko + v] * messages[uo + v];
        if (p === 0) continue;
        const ps = (s * V + v) * d,
          mv = v * d,
          Mv = v * dd,
          o = s * d,
          O = s * dd;
        for (let a = 0; a < d; a++) {
          const pa = psi[ps + a],
            ma = m[mv + a];
          m2[o + a] += p * (pa + ma);
          for (let b = 0; b < d; b++) {
            const pb = psi[ps + b];
            M2[O + a * d + b] += p * (pa * pb + pa * m[mv + b] + ma * pb + M[Mv + a * d + b]);
          }
        }
      }
    }
    [m, m2] = [m2, m];
    [M, M2] = [M2, M];
  }
  mIn.set(m);
  MIn.set(M);
}

function wasmSecondMoments(
  w: KernelExports,
  input: MarkovForwardInput,
  psi: Float64Array,
  d: number,
  m: Float64Array,
  M: Float64Array,
): void {
  const { vocab: V, length: L, stride } = input;
  const s = new WasmScope(w);
  try {
    const { k, u, z } = copyChainTables(s, input);
    const ps = s.copyIn(psi, V * V * d);
    const mp = s.copyIn(m, V * d);
    const Mp = s.copyIn(M, V * d * d);
    const m2 = s.alloc(V * d);
    const M2 = s.alloc(V * d * d);
    w.secondMomentsBackward(k, u, z, stride, V, L, ps, d, mp, Mp, m2, M2);
    m.set(s.f64(mp, V * d));
    M.set(s.f64(Mp, V * d * d));
  } finally {
    s.dispose();
  }
}

/**
 * The forward pass of the feature covariance of position-dependent Markov policies over prompts (see
 * `covarianceSweep`): for each prompt, with F_0 = 0, occ(s,v) += w·μ_t(s)·π_t(v|s),
 * G(s,v) += w·π_t(v|s)·F_t(s) and F_{t+1}(v) = Σ_s π_t(v|s)·(F_t(s) + μ_t(s)·ψ(s,v)), terms with μ = 0 or π = 0
 * skipped, every sum in (prompt, t, s, v) order.
 */
export interface CovarianceSweep {
  /**
   * Adds one prompt: its rows π_t(v|s) at probs[offset + (t·(V+1) + s)·V + v] (t < L, s ≤ V), its state marginals
   * mu ((L+1)×(V+1)) and weight w.
   */
  add(probs: Float64Array, offset: number, mu: Float64Array, w: number): void;
  /** occ ((V+1)·V) and G ((V+1)·V × d) accumulated so far, copied into the arrays given. */
  read(occ: Float64Array, G: Float64Array): void;
  dispose(): void;
}

/** A `CovarianceSweep` over V tokens, L positions and ψ ((V+1)·V × d). */
export function covarianceSweep(V: number, L: number, psi: Float64Array, d: number): CovarianceSweep {
  const S = (V + 1) * V;
  assertDims(psi.length >= S * d, `covarianceSweep: ψ has ${psi.length} entries, needs ${S * d}`);
  return wasmKernels ? wasmCovarianceSweep(wasmKernels, V, L, psi, d) : referenceCovarianceSweep(V, L, psi, d);
}

const checkPrompt = (V: number, L: number, probs: Float64Array, offset: number, mu: Float64Array) =>
  assertDims(
    probs.length >= offset + L * (V + 1) * V && mu.length >= (L + 1) * (V + 1),
    `covarianceSweep: rows or marginals too short for V=${V}, L=${L}`,
  );

/** The TypeScript backend of `covarianceSweep` (exported for the tests). */
export function referenceCovarianceSweep(V: number, L: number, psi: Float64Array, d: number): CovarianceSweep {
  const S = (V + 1) * V;
  const occ = new Float64Array(S);
  const G = new Float64Array(S * d);
  let F = new Float64Array((V + 1) * d);
  let next = new Float64Array((V + 1) * d);
  return {
    add(probs, offset, mu, wx) {
      checkPrompt(V, L, probs, offset, mu);
      F.fill(0);
      for (let t = 0; t < L; t++) {
        next.fill(0);
        for (let s = 0; s <= V; s++) {
          const m = mu[t * (V + 1) + s];
          if (m === 0) continue;
          const ro = offset + (t * (V + 1) + s) * V;
          const fs = s * d;
          for (let v = 0; v < V; v++) {
            const p = probs[ro + v];
            if (p === 0) continue;
            const i = s * V + v;
            occ[i] += wx * m * p;
            const g = i * d,
              nv = v * d,
              ps = i * d;
            for (let k = 0; k < d; k++) {
              const f = F[fs + k];
              G[g + k] += wx * p * f;
              next[nv + k] += p * (f + m * psi[ps + k]);
            }
          }
        }
        const tmp = F;
        F = next;
        next = tmp;
      }
    },
    read(o, g) {
      o.set(occ);
      g.set(G);
    },
    dispose() {},
  };
}

function wasmCovarianceSweep(w: KernelExports, V: number, L: number, psi: Float64Array, d: number): CovarianceSweep {
  const S = (V + 1) * V;
  const rowsPerPrompt = L * S;
  const scope = new WasmScope(w);
  const ps = scope.copyIn(psi, S * d);
  const occ = scope.alloc(S);
  const G = scope.alloc(S * d);
  const F = scope.alloc((V + 1) * d);
  const next = scope.alloc((V + 1) * d);
  const rows = scope.alloc(rowsPerPrompt);
  const mu = scope.alloc((L + 1) * (V + 1));
  // Views at each use, as in wasmRowSums.
  scope.f64(occ, S).fill(0);
  scope.f64(G, S * d).fill(0);
  return {
    add(probs, offset, m, wx) {
      checkPrompt(V, L, probs, offset, m);
      scope.f64(rows, rowsPerPrompt).set(probs.subarray(offset, offset + rowsPerPrompt));
      scope.f64(mu, (L + 1) * (V + 1)).set(m.subarray(0, (L + 1) * (V + 1)));
      w.covarianceForward(rows, mu, V, L, ps, d, wx, occ, G, F, next);
    },
    read(o, g) {
      o.set(scope.f64(occ, S));
      g.set(scope.f64(G, S * d));
    },
    dispose() {
      scope.dispose();
    },
  };
}

/** The tables of one backward pass of a chain's Gibbs weights; see `gibbsBackward`. */
export interface GibbsBackwardInput {
  /** Kernel rows K(s, ·), s < rows, V entries each, contiguous from kernelOffset. */
  readonly kernel: Float64Array;
  readonly kernelOffset: number;
  /** m_s, s < rows, from rowMaxOffset. */
  readonly rowMax: Float64Array;
  readonly rowMaxOffset: number;
  /** u_{t+1}(s) at messageOffset + t·stride + s (t = 0..L−1; u_L = 1 is written at t = L−1, V + 1 entries). */
  readonly messages: Float64Array;
  readonly messageOffset: number;
  /** z_t(s) at normalizerOffset + t·stride + s. */
  readonly normalizers: Float64Array;
  readonly normalizerOffset: number;
  readonly stride: number;
}

/**
 * One backward pass of a sequence Gibbs policy's weights over `rows` states (rows ≤ V + 1) and L positions: from
 * u_L = 1, for t = L−1..0, z_t(s) = Σ_v K(s,v)·u_{t+1}(v) (summed in v order), W_t(s) = m_s + log z_t(s), and for
 * t > 0, u_t(s) = exp(W_t(s) − max_s W_t(s)), the maxima added into the returned scale; W_0 is left in w (rows
 * entries). Returns NaN, with the position in `failedAt`, where some z_t(s) is not in (1e-280, ∞) (an underflow the
 * caller reports). The WebAssembly backend runs V8's own exp and log (fdlibm's, ported), so both backends give the
 * numbers of the plain TypeScript loop, bit for bit.
 */
export function gibbsBackward(
  input: GibbsBackwardInput,
  rows: number,
  V: number,
  L: number,
  w: Float64Array,
  failedAt: Int32Array,
): number {
  const { stride } = input;
  assertDims(
    rows <= stride &&
      V + 1 <= stride &&
      L >= 1 &&
      input.kernel.length >= input.kernelOffset + rows * V &&
      input.rowMax.length >= input.rowMaxOffset + rows &&
      input.messages.length >= input.messageOffset + L * stride &&
      input.normalizers.length >= input.normalizerOffset + L * stride &&
      w.length >= rows,
    `gibbsBackward: tables too short for rows=${rows}, V=${V}, L=${L}, stride=${stride}`,
  );
  return wasmKernels
    ? wasmGibbsBackward(wasmKernels, input, rows, V, L, w, failedAt)
    : referenceGibbsBackward(input, rows, V, L, w, failedAt);
}

/** The TypeScript backend of `gibbsBackward` (exported for the tests). */
export function referenceGibbsBackward(
  input: GibbsBackwardInput,
  rows: number,
  V: number,
  L: number,
  w: Float64Array,
  failedAt: Int32Array,
): number {
  const { messages, normalizers, rowMax, stride } = input;
  const sums = new Float64Array(rows);
  const block = referenceRowSums(rows, V);
  block.load(input.kernel, input.kernelOffset);
  let scale = 0;
  messages.fill(1, input.messageOffset + (L - 1) * stride, input.messageOffset + (L - 1) * stride + V + 1);
  for (let t = L - 1; t >= 0; t--) {
    const uo = input.messageOffset + t * stride;
    const zo = input.normalizerOffset + t * stride;
    let top = -Infinity;
    block.sums(messages, uo, sums);
    for (let s = 0; s < rows; s++) {
      const sum = sums[s];
      if (!(sum > 1e-280) || !Number.isFinite(sum)) {
        failedAt[0] = t;
        return Number.NaN;
      }
      normalizers[zo + s] = sum;
      const ws = rowMax[input.rowMaxOffset + s] + Math.log(sum);
      w[s] = ws;
      if (ws > top) top = ws;
    }
    if (t > 0) {
      const prev = uo - stride;
      for (let s = 0; s < rows; s++) messages[prev + s] = Math.exp(w[s] - top);
      scale += top;
    }
  }
  return scale;
}

function wasmGibbsBackward(
  k: KernelExports,
  input: GibbsBackwardInput,
  rows: number,
  V: number,
  L: number,
  w: Float64Array,
  failedAt: Int32Array,
): number {
  const { stride } = input;
  const span = L * stride;
  const rp = (rows + 1) & ~1;
  const s = new WasmScope(k);
  try {
    const kp = s.copyIn(input.kernel.subarray(input.kernelOffset, input.kernelOffset + rows * V));
    const kT = s.alloc(V * rp);
    k.transposeRowsPadded(kp, rows, V, kT);
    const mp = s.copyIn(input.rowMax.subarray(input.rowMaxOffset, input.rowMaxOffset + rows));
    // The blocks are copied in as well as out: entries the pass does not write keep their values.
    const up = s.copyIn(input.messages.subarray(input.messageOffset, input.messageOffset + span));
    const zp = s.copyIn(input.normalizers.subarray(input.normalizerOffset, input.normalizerOffset + span));
    const wp = s.alloc(rows);
    const sums = s.alloc(rp);
    const fail = s.allocI32(1);
    const scale = k.gibbsBackward(kT, rows, V, L, mp, up, zp, stride, wp, sums, fail);
    input.messages.set(s.f64(up, span), input.messageOffset);
    input.normalizers.set(s.f64(zp, span), input.normalizerOffset);
    w.set(s.f64(wp, rows));
    if (Number.isNaN(scale)) failedAt[0] = s.i32(fail, 1)[0];
    return scale;
  } finally {
    s.dispose();
  }
}

/**
 * φ(x, π) = (1/L)·Σ_{(s,v)} occ_x(s,v)·ψ(s,v) for the X prompts of a factored Gibbs policy over a per-prompt π0
 * (prompt x's kernel rows s ≤ V, s = V the start, at x·(V+1)·V; its messages and normalisers at x·L·(V+1), stride
 * V + 1): per prompt, the start row's occupancy, then `markovForward`'s sweep, then `weightedRowSums`' sum, the same
 * steps in the same order as running those three per prompt, in one call for all prompts (X × d, row-major).
 */
export function promptFeatures(
  kernel: Float64Array,
  messages: Float64Array,
  normalizers: Float64Array,
  V: number,
  L: number,
  X: number,
  psi: Float64Array,
  d: number,
): Float64Array {
  const S = (V + 1) * V;
  assertDims(
    L >= 1 &&
      kernel.length >= X * S &&
      messages.length >= X * L * (V + 1) &&
      normalizers.length >= X * L * (V + 1) &&
      psi.length >= S * d,
    `promptFeatures: tables too short for X=${X}, V=${V}, L=${L}, d=${d}`,
  );
  return wasmKernels
    ? wasmPromptFeatures(wasmKernels, kernel, messages, normalizers, V, L, X, psi, d)
    : referencePromptFeatures(kernel, messages, normalizers, V, L, X, psi, d);
}

/** The TypeScript backend of `promptFeatures` (exported for the tests). */
export function referencePromptFeatures(
  kernel: Float64Array,
  messages: Float64Array,
  normalizers: Float64Array,
  V: number,
  L: number,
  X: number,
  psi: Float64Array,
  d: number,
): Float64Array {
  const S = (V + 1) * V;
  const out = new Float64Array(X * d);
  const occ = new Float64Array(S);
  const mu = new Float64Array(V);
  const rowsOfPsi = referenceWeightedRowSums(psi, S, d);
  for (let x = 0; x < X; x++) {
    const ko = x * S,
      uo = x * L * (V + 1);
    occ.fill(0);
    const c = 1 / normalizers[uo + V];
    for (let v = 0; v < V; v++) {
      const q = 0 + c * kernel[ko + V * V + v] * messages[uo + v]; // as added into zeroed arrays
      occ[V * V + v] = q;
      mu[v] = q;
    }
    if (L >= 2)
      referenceMarkovForward(
        {
          kernel,
          kernelOffset: ko,
          vocab: V,
          length: L,
          messages,
          messageOffset: uo,
          normalizers,
          normalizerOffset: uo,
          stride: V + 1,
        },
        mu,
        occ,
      );
    rowsOfPsi.add(occ, 0, L, out, x * d);
  }
  return out;
}

function wasmPromptFeatures(
  w: KernelExports,
  kernel: Float64Array,
  messages: Float64Array,
  normalizers: Float64Array,
  V: number,
  L: number,
  X: number,
  psi: Float64Array,
  d: number,
): Float64Array {
  const S = (V + 1) * V;
  const span = X * L * (V + 1);
  const s = new WasmScope(w);
  try {
    const k = s.copyIn(kernel, X * S);
    const u = s.copyIn(messages, span);
    const z = s.copyIn(normalizers, span);
    const ps = s.copyIn(psi, S * d);
    const out = s.alloc(X * d);
    w.promptFeatures(k, u, z, V, L, X, ps, d, out, s.alloc(S), s.alloc(V), s.alloc(V));
    return s.f64(out, X * d).slice();
  } finally {
    s.dispose();
  }
}
