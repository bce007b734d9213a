import { assertDims } from "./errors";
import { dotBlocksInto, transpose } from "./blas-reference";
import { wasmKernels, withWasm } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * Cholesky factor of a symmetric positive-definite A (d×d, row-major): returns lower-triangular L with
 * A = L·Lᵀ (entries above the diagonal are 0). Throws a RangeError naming the pivot if A is not positive definite.
 */
export function cholesky(A: Float64Array, d: number): Float64Array {
  assertDims(A.length >= d * d, `cholesky A ${A.length} for d=${d}`);
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let s = A[rj + j];
    for (let k = 0; k < j; k++) s -= L[rj + k] * L[rj + k];
    if (!(s > 0)) throw new RangeError(`cholesky: matrix is not positive definite (pivot ${j} = ${s})`);
    const ljj = Math.sqrt(s);
    L[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let t = A[ri + j];
      for (let k = 0; k < j; k++) t -= L[ri + k] * L[rj + k];
      L[ri + j] = t * inv;
    }
  }
  return L;
}

/** Solves L·y = b in place of a copy (forward substitution). */
export function forwardSubstitute(
  L: Float64Array,
  d: number,
  b: Float64Array,
  out: Float64Array = new Float64Array(d),
): Float64Array {
  assertDims(
    L.length >= d * d && b.length >= d && out.length >= d,
    `forwardSubstitute L ${L.length}, b ${b.length} for d=${d}`,
  );
  for (let i = 0; i < d; i++) {
    let s = b[i];
    const ri = i * d;
    for (let k = 0; k < i; k++) s -= L[ri + k] * out[k];
    out[i] = s / L[ri + i];
  }
  return out;
}

/** Solves Lᵀ·x = y (back substitution with the lower factor). */
export function backSubstitute(
  L: Float64Array,
  d: number,
  y: Float64Array,
  out: Float64Array = new Float64Array(d),
): Float64Array {
  assertDims(
    L.length >= d * d && y.length >= d && out.length >= d,
    `backSubstitute L ${L.length}, y ${y.length} for d=${d}`,
  );
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= L[k * d + i] * out[k];
    out[i] = s / L[i * d + i];
  }
  return out;
}

/** Solves A·x = b given the Cholesky factor L of A. */
export function choleskySolve(L: Float64Array, d: number, b: Float64Array): Float64Array {
  return backSubstitute(L, d, forwardSubstitute(L, d, b));
}

/** L ← chol(L·Lᵀ + x·xᵀ) in place, O(d²) (the classic Givens-style update). `x` is not modified. */
export function choleskyRank1Update(L: Float64Array, d: number, x: Float64Array): void {
  assertDims(L.length >= d * d && x.length >= d, `choleskyRank1Update L ${L.length}, x ${x.length} for d=${d}`);
  const w = Float64Array.from(x.subarray(0, d));
  for (let k = 0; k < d; k++) {
    const lkk = L[k * d + k];
    const r = Math.hypot(lkk, w[k]);
    const c = r / lkk;
    const s = w[k] / lkk;
    L[k * d + k] = r;
    for (let i = k + 1; i < d; i++) {
      const lik = (L[i * d + k] + s * w[i]) / c;
      L[i * d + k] = lik;
      w[i] = c * w[i] - s * lik;
    }
  }
}

/**
 * Solves L·x_i = b_i in place for the n rows b_i of B (n×d): forward substitution for many right-hand sides
 * (two rows per f64x2 lane pair in the WebAssembly kernel).
 */
export function solveLowerRows(L: Float64Array, d: number, B: Float64Array, n: number): Float64Array {
  assertDims(L.length >= d * d && B.length >= n * d, `solveLowerRows L ${L.length}, B ${B.length} for n=${n}, d=${d}`);
  const w = wasmKernels;
  if (!w) {
    const x = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      forwardSubstitute(L, d, B.subarray(r * d, (r + 1) * d), x);
      B.set(x, r * d);
    }
    return B;
  }
  withWasm(w, (s) => {
    const b = s.copyIn(B, n * d);
    w.trsmLowerRows(s.copyIn(L, d * d), d, b, n);
    B.set(s.f64(b, n * d));
  });
  return B;
}

/** L⁻¹ for lower-triangular L (lower-triangular result). */
export function invertLower(L: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  const e = new Float64Array(d);
  const col = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    e.fill(0);
    e[j] = 1;
    forwardSubstitute(L, d, e, col);
    for (let i = j; i < d; i++) inv[i * d + j] = col[i];
  }
  return inv;
}

const MAHALANOBIS_CHUNK = 256;

/**
 * Batched Mahalanobis norms ‖v_i‖_{Σ⁻¹} = ‖L⁻¹ v_i‖ for the n rows v_i of V (n×d), given Σ = L·Lᵀ.
 * Computed as row norms of V·L⁻ᵀ with the blocked gemm kernel, in chunks so memory stays O(chunk·d).
 */
export function mahalanobisNorms(
  L: Float64Array,
  d: number,
  V: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  assertDims(
    L.length >= d * d && V.length >= n * d && out.length >= n,
    `mahalanobisNorms L ${L.length}, V ${V.length} for n=${n}, d=${d}`,
  );
  const Linv = invertLower(L, d);
  const w = wasmKernels;
  if (w) {
    // Chunks of V are copied into the module's memory: V may be far larger than what should be duplicated.
    const LinvT = transpose(Linv, d, d);
    const chunk = MAHALANOBIS_CHUNK * 16;
    withWasm(w, (s) => {
      const v = s.alloc(Math.min(chunk, n) * d);
      const norms = s.alloc(Math.min(chunk, n));
      const tmp = s.alloc(MAHALANOBIS_CHUNK * d);
      const mt = s.copyIn(LinvT);
      const work = s.gemmWork(d);
      for (let r0 = 0; r0 < n; r0 += chunk) {
        const rows = Math.min(chunk, n - r0);
        s.f64(v, rows * d).set(V.subarray(r0 * d, (r0 + rows) * d));
        w.rowNormsOfProduct(v, rows, d, mt, norms, tmp, work);
        out.set(s.f64(norms, rows), r0);
      }
    });
    return out;
  }
  const W = new Float64Array(MAHALANOBIS_CHUNK * d);
  for (let r0 = 0; r0 < n; r0 += MAHALANOBIS_CHUNK) {
    const rows = Math.min(MAHALANOBIS_CHUNK, n - r0);
    dotBlocksInto(V.subarray(r0 * d, (r0 + rows) * d), Linv, rows, d, d, W, d);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const o = r * d;
      for (let j = 0; j < d; j++) s += W[o + j] * W[o + j];
      out[r0 + r] = Math.sqrt(s);
    }
  }
  return out;
}
