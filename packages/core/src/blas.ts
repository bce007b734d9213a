import { assertDims } from "./errors";
import * as ref from "./blas-reference";
import { WasmScope, wasmKernels, withWasm } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The public dense kernels. O(n²·k) products run in the f64x2 WebAssembly kernels (assembly/kernels.ts, ~18
 * GFLOP/s at 256³ against ~4 for the plain TypeScript ones, `pnpm --filter @gsh/core bench`); O(n) and
 * memory-bound ones (dot, axpy, gemv) stay in TypeScript, where copying the operand into the module's memory
 * would cost more than the arithmetic. The TypeScript kernels in blas-reference.ts are the reference the tests
 * hold these to, and the fallback where WebAssembly SIMD is unavailable.
 */
export { dot, quadraticForm, axpy, gemv, gemvT, transpose, syr } from "./blas-reference";

// Below this many multiply-adds the copy in and out of the module costs more than the product.
const WASM_MIN_WORK = 4096;
// Rows of Z copied per syrk step: 2048·d doubles stay in L2 for d ≤ 64 and amortise the call.
const SYRK_ROWS = 2048;

/** C = A·B (or C += A·B with `accumulate`) for A (m×k), B (k×n), row-major. */
export function gemm(
  A: Float64Array,
  B: Float64Array,
  m: number,
  k: number,
  n: number,
  C: Float64Array = new Float64Array(m * n),
  accumulate = false,
): Float64Array {
  assertDims(
    A.length >= m * k && B.length >= k * n && C.length >= m * n,
    `gemm A ${A.length}, B ${B.length}, C ${C.length} for m=${m}, k=${k}, n=${n}`,
  );
  const w = wasmKernels;
  if (!w || m * k * n < WASM_MIN_WORK) return ref.gemm(A, B, m, k, n, C, accumulate);
  return withWasm(w, (s) => {
    const a = s.copyIn(A, m * k);
    const b = s.copyIn(B, k * n);
    const c = accumulate ? s.copyIn(C, m * n) : s.alloc(m * n);
    w.gemm(a, b, c, m, k, n, 0, 0, accumulate ? 1 : 0, 0, s.gemmWork(n));
    C.set(s.f64(c, m * n));
    return C;
  });
}

/** Products A·B of one fixed left factor A with many right factors B; see `leftProduct`. */
export interface LeftProduct {
  /** C = A·B for B (k×n), row-major: the numbers `gemm(A, B, m, k, n)` gives. */
  times(B: Float64Array, n: number, C?: Float64Array): Float64Array;
  /** Frees the kernels' memory (a no-op for the TypeScript backend). */
  dispose(): void;
}

/**
 * A fixed A (m×k) multiplied into many B: A is copied and packed into the kernel's panels once instead of at every
 * product (a backward pass multiplies the same V×V kernel into L narrow blocks). Each product runs the same panels,
 * micro-kernel and order as `gemm`, below its size threshold the same TypeScript loop, so its numbers are gemm's.
 */
export function leftProduct(A: Float64Array, m: number, k: number): LeftProduct {
  assertDims(A.length >= m * k, `leftProduct A ${A.length} for m=${m}, k=${k}`);
  const w = wasmKernels;
  let scope: WasmScope | null = null;
  let packed = 0;
  const check = (B: Float64Array, n: number, C: Float64Array) =>
    assertDims(B.length >= k * n && C.length >= m * n, `leftProduct B ${B.length}, C ${C.length} for k=${k}, n=${n}`);
  return {
    times(B, n, C = new Float64Array(m * n)) {
      check(B, n, C);
      if (!w || m * k * n < WASM_MIN_WORK) return ref.gemm(A, B, m, k, n, C, false);
      if (scope === null) {
        scope = new WasmScope(w);
        const a = scope.copyIn(A, m * k);
        packed = scope.packedASpace(m, k);
        w.packAAll(a, m, k, packed);
      }
      return withWasm(w, (t) => {
        const b = t.copyIn(B, k * n);
        const c = t.alloc(m * n);
        w.gemmPackedA(packed, b, c, m, k, n, t.gemmWork(n));
        C.set(t.f64(c, m * n));
        return C;
      });
    },
    dispose() {
      scope?.dispose();
      scope = null;
    },
  };
}

/**
 * A += Σ_i s_i²·z_i z_iᵀ for the n rows of Z (n×d): the covariance accumulation `Σ += ZᵀZ`, with optional row
 * scales s (e.g. √ of IRLS weights; all 1 when omitted). Only 4×4 blocks on or above the diagonal are computed,
 * then mirrored.
 */
export function syrk(Z: Float64Array, n: number, d: number, A: Float64Array, scale?: Float64Array): void {
  assertDims(
    Z.length >= n * d && A.length >= d * d && (!scale || scale.length >= n),
    `syrk Z ${Z.length} (n=${n}, d=${d}), A ${A.length}`,
  );
  const w = wasmKernels;
  if (!w || n * d * d < WASM_MIN_WORK) {
    if (!scale) return ref.syrk(Z, n, d, A);
    return ref.syrkPacked(ref.packRowChunks(Z, n, d), n, d, A, scale);
  }
  withWasm(w, (s) => {
    const chunk = Math.min(SYRK_ROWS, n);
    const z = s.alloc(chunk * d);
    const sc = scale ? s.alloc(chunk) : 0;
    const upper = s.alloc(d * d);
    const out = s.copyIn(A, d * d);
    const work = s.syrkWork(d);
    for (let r0 = 0; r0 < n; r0 += chunk) {
      const rows = Math.min(chunk, n - r0);
      s.f64(z, rows * d).set(Z.subarray(r0 * d, (r0 + rows) * d));
      if (scale) {
        const sv = s.f64(sc, rows);
        for (let r = 0; r < rows; r++) sv[r] = scale[r0 + r] * scale[r0 + r];
      }
      w.syrkUpper(z, rows, d, sc, upper, r0 > 0 ? 1 : 0, work); // weights row r of Z by s_r²
    }
    w.addMirrored(upper, d, out);
    A.set(s.f64(out, d * d));
  });
}
