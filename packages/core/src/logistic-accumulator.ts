import { assertDims } from "./errors";
import { dot, packRowChunks, syrkPacked } from "./blas-reference";
import { logSigmoid, sigmoid, sigmoidDerivative } from "./numerics";
import { type KernelExports, WasmScope, wasmKernels } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The data term of a logistic (Bradley-Terry) loss over the fixed rows z_i of Z (n×d), evaluated at many θ (one
 * per Newton step): with m_i = <z_i, θ>,
 *   value = Σ_i log(1 + e^{−m_i}),  grad += −Σ_i σ(−m_i)·z_i,  hess += Σ_i σ(m_i)σ(−m_i)·z_i z_iᵀ.
 * The regulariser is the caller's. Z is copied into the kernels' memory once: call `dispose()` when done.
 */
export interface LogisticAccumulator {
  evaluate(theta: Float64Array, grad: Float64Array | null, hess: Float64Array | null): number;
  dispose(): void;
}

export function logisticAccumulator(Z: Float64Array, n: number, d: number): LogisticAccumulator {
  assertDims(Z.length >= n * d, `logisticAccumulator Z ${Z.length} for n=${n}, d=${d}`);
  const w = wasmKernels;
  if (!w) return referenceLogisticAccumulator(Z, n, d);
  const s = new WasmScope(w);
  const z = s.copyIn(Z, n * d);
  const weights = s.alloc(n);
  const work = s.syrkWork(d);
  return wasmAccumulator(w, s, d, (theta, grad, upper) => {
    const value = w.btAccumulate(z, n, d, theta, grad, upper ? weights : 0);
    if (upper) w.syrkUpper(z, n, d, weights, upper, 1, work); // Σ w_i z_i z_iᵀ onto the zeroed upper blocks
    return value;
  });
}

/**
 * What both WebAssembly accumulators share: θ in, the gradient added to `g`, the upper blocks (zeroed before
 * `accumulate` adds to them) mirrored and added to `h`. `accumulate` gets pointers to θ, a zeroed gradient and the
 * upper blocks (0 when no Hessian is wanted) and returns the loss.
 */
function wasmAccumulator(
  w: KernelExports,
  s: WasmScope,
  d: number,
  accumulate: (theta: number, grad: number, upper: number) => number,
): LogisticAccumulator {
  const theta = s.alloc(d);
  const grad = s.alloc(d);
  const upper = s.alloc(d * d);
  const hess = s.alloc(d * d);
  return {
    evaluate(th, g, h) {
      s.f64(theta, d).set(th.subarray(0, d));
      s.f64(grad, d).fill(0);
      if (h) s.f64(upper, d * d).fill(0);
      const value = accumulate(theta, grad, h ? upper : 0);
      if (g) {
        const gv = s.f64(grad, d);
        for (let k = 0; k < d; k++) g[k] += gv[k];
      }
      if (h) {
        s.f64(hess, d * d).set(h.subarray(0, d * d));
        w.addMirrored(upper, d, hess);
        h.set(s.f64(hess, d * d));
      }
      return value;
    },
    dispose: () => s.dispose(),
  };
}

/** The plain TypeScript reference (and fallback) of `logisticAccumulator`. */
export function referenceLogisticAccumulator(Z: Float64Array, n: number, d: number): LogisticAccumulator {
  const margins = new Float64Array(n);
  const roots = new Float64Array(n);
  let packed: Float64Array | null = null; // Z in syrk's layout, packed on the first Hessian and reused by the others
  return {
    evaluate(theta, grad, hess) {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const m = dot(Z, theta, d, i * d, 0);
        margins[i] = m;
        f -= logSigmoid(m);
        if (grad) {
          const c = -sigmoid(-m);
          for (let k = 0; k < d; k++) grad[k] += c * Z[i * d + k];
        }
      }
      if (hess) {
        packed ??= packRowChunks(Z, n, d);
        for (let i = 0; i < n; i++) roots[i] = Math.sqrt(sigmoidDerivative(margins[i]));
        syrkPacked(packed, n, d, hess, roots);
      }
      return f;
    },
    dispose() {},
  };
}

/**
 * The logistic accumulator over indexed pairs: z_i = φ(winners[i]) − φ(losers[i]) built on the fly from a feature
 * table (m candidates × d, f64 or f32), so n pairs cost m·d numbers of memory instead of n·d (10⁶ pairs over 10⁵
 * candidates at d = 768: 307 MB of f32 features instead of 6 GB of f64 rows). The table is copied into the kernels'
 * memory once: call `dispose()` when done.
 */
export function pairLogisticAccumulator(
  features: Float64Array | Float32Array,
  d: number,
  winners: Int32Array,
  losers: Int32Array,
): LogisticAccumulator {
  const m = Math.floor(features.length / d);
  const n = winners.length;
  assertDims(
    losers.length === n && features.length === m * d,
    `pairLogisticAccumulator: ${n} winners, ${losers.length} losers, features ${features.length} not a multiple of d=${d}`,
  );
  for (let i = 0; i < n; i++)
    if (!(winners[i] >= 0 && winners[i] < m && losers[i] >= 0 && losers[i] < m))
      throw new RangeError(
        `pairLogisticAccumulator: pair ${i} references candidate ${winners[i]}/${losers[i]} of ${m}`,
      );
  const w = wasmKernels;
  if (!w) return referencePairLogisticAccumulator(features, d, winners, losers);
  const f32 = features instanceof Float32Array;
  const s = new WasmScope(w);
  try {
    const feat = s.alloc(f32 ? Math.ceil((m * d) / 2) : m * d);
    if (f32) new Float32Array(w.memory.buffer, feat, m * d).set(features);
    else s.f64(feat, m * d).set(features);
    const win = s.allocI32(n);
    s.i32(win, n).set(winners);
    const lose = s.allocI32(n);
    s.i32(lose, n).set(losers);
    const zbuf = s.alloc(256 * d);
    const wbuf = s.alloc(256);
    const work = s.syrkWork(d);
    return wasmAccumulator(w, s, d, (theta, grad, upper) =>
      w.btPairs(feat, f32 ? 1 : 0, d, win, lose, n, theta, grad, upper, zbuf, wbuf, work),
    );
  } catch (e) {
    s.dispose();
    throw e;
  }
}

/** The TypeScript reference (and fallback) of `pairLogisticAccumulator`: rows built in chunks, then as above. */
export function referencePairLogisticAccumulator(
  features: Float64Array | Float32Array,
  d: number,
  winners: Int32Array,
  losers: Int32Array,
): LogisticAccumulator {
  const CHUNK = 256;
  const z = new Float64Array(CHUNK * d);
  return {
    evaluate(theta, grad, hess) {
      let f = 0;
      for (let r0 = 0; r0 < winners.length; r0 += CHUNK) {
        const rows = Math.min(CHUNK, winners.length - r0);
        for (let r = 0; r < rows; r++) {
          const a = winners[r0 + r] * d;
          const b = losers[r0 + r] * d;
          for (let k = 0; k < d; k++) z[r * d + k] = features[a + k] - features[b + k];
        }
        f += referenceLogisticAccumulator(z, rows, d).evaluate(theta, grad, hess);
      }
      return f;
    },
    dispose() {},
  };
}
