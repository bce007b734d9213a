import { assertDims } from "./errors";
import { transpose } from "./blas-reference";
import { softmaxInto } from "./numerics";
import { type KernelExports, WasmScope, wasmKernels } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** What a batch of tilts returns: one row per evaluated (direction, size) pair. */
export interface TiltMoments {
  /** E_x φ(x, π_c) for each pair (rows × d). */
  readonly means: Float64Array;
  /** E_x KL(π_c ‖ π_base) for each pair. */
  readonly kl: Float64Array;
}

/**
 * Exponential tilts of a finite-action policy along many directions at once: for directions u_1..u_K and a base
 * policy π (log-probabilities logBase over X contexts × A actions, features Φ of X·A rows × d), π_c ∝ π·exp(c<u, φ>).
 * `evaluate(idx, cs)` returns E_x φ(x, π_c) and E_x KL(π_c ‖ π) for the pairs (u_{idx[j]}, cs[j]) together, so a
 * search over many directions advances in lockstep: one pass of exponentials and one gemm P·Φ per step instead
 * of one X·A·d accumulation per direction. Negative c tilts along −u. Holds a copy of Φ in the kernels' memory:
 * call `dispose()` when done.
 */
export interface TiltBatch {
  readonly directions: number;
  evaluate(idx: ArrayLike<number>, cs: ArrayLike<number>): TiltMoments;
  dispose(): void;
}

export interface TiltBatchInput {
  readonly contexts: number;
  readonly actions: number;
  readonly dim: number;
  /** Φ, (X·A) × d row-major. */
  readonly features: Float64Array;
  /** log π(a|x), X·A (−∞ where π is 0). */
  readonly logBase: Float64Array;
  /** The context distribution d0 (X). */
  readonly contextWeights: Float64Array;
  /** K directions, K × d row-major. */
  readonly directions: Float64Array;
  readonly count: number;
}

/** A tilt batch on the WebAssembly kernels, or on the TypeScript reference where they are unavailable. */
export function tiltBatch(input: TiltBatchInput): TiltBatch {
  const { contexts: X, actions: A, dim: d, count: K } = input;
  assertDims(
    input.features.length >= X * A * d &&
      input.logBase.length >= X * A &&
      input.contextWeights.length >= X &&
      input.directions.length >= K * d,
    `tiltBatch features ${input.features.length}, logBase ${input.logBase.length}, directions ${input.directions.length} for X=${X}, A=${A}, d=${d}, K=${K}`,
  );
  return wasmKernels ? wasmTiltBatch(wasmKernels, input) : referenceTiltBatch(input);
}

// Keeps P (X·A × pairs) under ~64 MB: pairs are evaluated in groups when X·A is large.
const P_BUDGET = 8 << 20;

function wasmTiltBatch(w: KernelExports, input: TiltBatchInput): TiltBatch {
  const { contexts: X, actions: A, dim: d, count: K } = input;
  const XA = X * A;
  const s = new WasmScope(w);
  try {
    const phi = s.copyIn(input.features, XA * d);
    const logBase = s.copyIn(input.logBase, XA);
    const weights = s.copyIn(input.contextWeights, X);
    // Sᵀ = U·Φᵀ: the scores of every (x, a) along every direction, once, one contiguous row per direction
    // (computed as Φ·Uᵀ by the gemm, then transposed).
    const ut = transpose(input.directions, K, d);
    const scoresT = s.alloc(XA * K);
    {
      const tmp = new WasmScope(w);
      try {
        const sc = tmp.alloc(XA * K);
        w.gemm(phi, tmp.copyIn(ut), sc, XA, d, K, 0, 0, 0, 0, tmp.gemmWork(K));
        transpose(tmp.f64(sc, XA * K), XA, K, s.f64(scoresT, XA * K));
      } finally {
        tmp.dispose();
      }
    }
    const group = Math.max(1, Math.min(2 * K, Math.floor(P_BUDGET / XA))); // pairs per kernel call
    const p = s.alloc(XA * group);
    const idx = s.allocI32(group);
    const cs = s.alloc(group);
    const kl = s.alloc(group);
    const means = s.alloc(group * d);
    const phiPacked = s.packedSpace(XA, d); // Φ in the gemm's panel layout, packed once for every step
    w.packB(phi, XA, d, phiPacked);
    const work = s.gemmWork(d);
    return {
      directions: K,
      evaluate(idxIn, csIn) {
        const n = idxIn.length;
        const meansOut = new Float64Array(n * d);
        const klOut = new Float64Array(n);
        for (let g0 = 0; g0 < n; g0 += group) {
          const m = Math.min(group, n - g0);
          const iv = s.i32(idx, m);
          const cv = s.f64(cs, m);
          for (let j = 0; j < m; j++) {
            iv[j] = idxIn[g0 + j];
            cv[j] = csIn[g0 + j];
          }
          w.tiltSoftmax(logBase, scoresT, X, A, idx, cs, m, weights, p, kl);
          // E_x φ(x, π_c) for every pair: P (m × X·A) times Φ (X·A × d).
          w.gemmPacked(p, phiPacked, means, m, XA, d, work);
          meansOut.set(s.f64(means, m * d), g0 * d);
          klOut.set(s.f64(kl, m), g0);
        }
        return { means: meansOut, kl: klOut };
      },
      dispose: () => s.dispose(),
    };
  } catch (e) {
    s.dispose();
    throw e;
  }
}

/** The reference: one softmax and one X·A·d accumulation per (direction, size), in plain TypeScript. */
export function referenceTiltBatch(input: TiltBatchInput): TiltBatch {
  const { contexts: X, actions: A, dim: d, count: K, features: values, logBase, contextWeights } = input;
  const scores: Float64Array[] = [];
  for (let j = 0; j < K; j++) {
    const sc = new Float64Array(X * A);
    for (let i = 0; i < X * A; i++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += values[i * d + k] * input.directions[j * d + k];
      sc[i] = v;
    }
    scores.push(sc);
  }
  const row = new Float64Array(A);
  return {
    directions: K,
    evaluate(idx, cs) {
      const n = idx.length;
      const means = new Float64Array(n * d);
      const kls = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const score = scores[idx[j]];
        const c = cs[j];
        let kl = 0;
        for (let x = 0; x < X; x++) {
          const o = x * A;
          for (let a = 0; a < A; a++) row[a] = logBase[o + a] + c * score[o + a];
          const lse = softmaxInto(row, row, 0, A); // log Σ_a π(a|x)·e^{c s(x,a)}
          let es = 0;
          const wx = contextWeights[x];
          for (let a = 0; a < A; a++) {
            const p = row[a];
            if (p === 0) continue;
            es += p * score[o + a];
            const f = (o + a) * d;
            const wp = wx * p;
            for (let k = 0; k < d; k++) means[j * d + k] += wp * values[f + k];
          }
          kl += wx * Math.max(0, c * es - lse);
        }
        kls[j] = kl;
      }
      return { means, kl: kls };
    },
    dispose() {},
  };
}
