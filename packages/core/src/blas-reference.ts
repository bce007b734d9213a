import { assertDims } from "./errors";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The plain TypeScript f64 kernels on row-major Float64Arrays: the reference the WebAssembly kernels are tested
 * against, the fallback where WebAssembly SIMD is unavailable (or GSH_KERNELS=typescript), and the implementation
 * of the O(n) and memory-bound ones (dot, axpy, gemv), for which a copy into the module's memory would cost more
 * than the work. Plain loops with monomorphic Float64Array arguments: JS matrix libraries run at 0.3–0.5 GFLOP/s
 * here, the blocked gemm below at ~4, the f64x2 WebAssembly one at ~18 (`pnpm --filter @gsh/core bench`).
 */

export function dot(a: Float64Array, b: Float64Array, n = a.length, aOff = 0, bOff = 0): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
  }
  if (i < n) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1;
}

/** vᵀ·M·v for a d×d row-major M. */
export function quadraticForm(M: Float64Array, d: number, v: ArrayLike<number>): number {
  assertDims(M.length >= d * d && v.length >= d, `quadraticForm M ${M.length}, v ${v.length} for d=${d}`);
  let s = 0;
  for (let i = 0; i < d; i++) {
    let r = 0;
    for (let j = 0; j < d; j++) r += M[i * d + j] * v[j];
    s += v[i] * r;
  }
  return s;
}

/** y += alpha·x */
export function axpy(alpha: number, x: Float64Array, y: Float64Array, n = x.length, xOff = 0, yOff = 0): void {
  for (let i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
}

/** y = A·x for A (m×n). */
export function gemv(
  A: Float64Array,
  m: number,
  n: number,
  x: Float64Array,
  y: Float64Array = new Float64Array(m),
): Float64Array {
  assertDims(
    A.length >= m * n && x.length >= n && y.length >= m,
    `gemv A ${A.length} (m=${m}, n=${n}), x ${x.length}, y ${y.length}`,
  );
  for (let i = 0; i < m; i++) y[i] = dot(A, x, n, i * n, 0);
  return y;
}

/** y = Aᵀ·x for A (m×n). */
export function gemvT(
  A: Float64Array,
  m: number,
  n: number,
  x: Float64Array,
  y: Float64Array = new Float64Array(n),
): Float64Array {
  assertDims(
    A.length >= m * n && x.length >= m && y.length >= n,
    `gemvT A ${A.length} (m=${m}, n=${n}), x ${x.length}, y ${y.length}`,
  );
  y.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    if (xi !== 0) axpy(xi, A, y, n, i * n, 0);
  }
  return y;
}

/** Bᵀ for B (rows×cols). */
export function transpose(
  B: Float64Array,
  rows: number,
  cols: number,
  out: Float64Array = new Float64Array(rows * cols),
): Float64Array {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = B[i * cols + j];
  return out;
}

/**
 * The register-blocked core: C[i, j] (+)= Σ_p P[i, p]·Q[j, p] for P (m×k) and Q (n×k), both rows contiguous in p,
 * computing 4×4 blocks of C with 16 accumulators. `upperOnly` skips blocks strictly below the diagonal.
 */
function dotBlocks(
  P: Float64Array,
  Q: Float64Array,
  m: number,
  n: number,
  k: number,
  C: Float64Array,
  ldc: number,
  accumulate: boolean,
  upperOnly: boolean,
): void {
  for (let i0 = 0; i0 < m; i0 += 4) {
    const iN = Math.min(4, m - i0);
    for (let j0 = upperOnly ? i0 - (i0 % 4) : 0; j0 < n; j0 += 4) {
      const jN = Math.min(4, n - j0);
      if (iN === 4 && jN === 4) {
        const a0 = i0 * k,
          a1 = a0 + k,
          a2 = a1 + k,
          a3 = a2 + k;
        const b0 = j0 * k,
          b1 = b0 + k,
          b2 = b1 + k,
          b3 = b2 + k;
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0,
          c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0,
          c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = P[a0 + p],
            x1 = P[a1 + p],
            x2 = P[a2 + p],
            x3 = P[a3 + p];
          const y0 = Q[b0 + p],
            y1 = Q[b1 + p],
            y2 = Q[b2 + p],
            y3 = Q[b3 + p];
          c00 += x0 * y0;
          c01 += x0 * y1;
          c02 += x0 * y2;
          c03 += x0 * y3;
          c10 += x1 * y0;
          c11 += x1 * y1;
          c12 += x1 * y2;
          c13 += x1 * y3;
          c20 += x2 * y0;
          c21 += x2 * y1;
          c22 += x2 * y2;
          c23 += x2 * y3;
          c30 += x3 * y0;
          c31 += x3 * y1;
          c32 += x3 * y2;
          c33 += x3 * y3;
        }
        const r0 = i0 * ldc + j0,
          r1 = r0 + ldc,
          r2 = r1 + ldc,
          r3 = r2 + ldc;
        if (accumulate) {
          C[r0] += c00;
          C[r0 + 1] += c01;
          C[r0 + 2] += c02;
          C[r0 + 3] += c03;
          C[r1] += c10;
          C[r1 + 1] += c11;
          C[r1 + 2] += c12;
          C[r1 + 3] += c13;
          C[r2] += c20;
          C[r2 + 1] += c21;
          C[r2 + 2] += c22;
          C[r2 + 3] += c23;
          C[r3] += c30;
          C[r3 + 1] += c31;
          C[r3 + 2] += c32;
          C[r3 + 3] += c33;
        } else {
          C[r0] = c00;
          C[r0 + 1] = c01;
          C[r0 + 2] = c02;
          C[r0 + 3] = c03;
          C[r1] = c10;
          C[r1 + 1] = c11;
          C[r1 + 2] = c12;
          C[r1 + 3] = c13;
          C[r2] = c20;
          C[r2 + 1] = c21;
          C[r2 + 2] = c22;
          C[r2 + 3] = c23;
          C[r3] = c30;
          C[r3 + 1] = c31;
          C[r3 + 2] = c32;
          C[r3 + 3] = c33;
        }
      } else {
        for (let i = i0; i < i0 + iN; i++) {
          for (let j = j0; j < j0 + jN; j++) {
            const v = dot(P, Q, k, i * k, j * k);
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + v : v;
          }
        }
      }
    }
  }
}

/** C[i, j] = Σ_p P[i, p]·Q[j, p] for P (m×k), Q (n×k): the product P·Qᵀ without forming Qᵀ. */
export function dotBlocksInto(
  P: Float64Array,
  Q: Float64Array,
  m: number,
  n: number,
  k: number,
  C: Float64Array,
  ldc = n,
): void {
  assertDims(
    P.length >= m * k && Q.length >= n * k && C.length >= (m - 1) * ldc + n,
    `P·Qᵀ P ${P.length}, Q ${Q.length}, C ${C.length}`,
  );
  dotBlocks(P, Q, m, n, k, C, ldc, false, false);
}

/** C = A·B (or C += A·B with `accumulate`) for A (m×k), B (k×n). B is transposed once so both operands stream. */
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
  const Bt = transpose(B, k, n);
  dotBlocks(A, Bt, m, n, k, C, n, accumulate, false);
  return C;
}

/** A += alpha·x·xᵀ (symmetric rank-1 update of a full d×d matrix). */
export function syr(alpha: number, x: Float64Array, A: Float64Array, d: number, xOff = 0): void {
  for (let i = 0; i < d; i++) {
    const ai = alpha * x[xOff + i];
    if (ai === 0) continue;
    const row = i * d;
    for (let j = 0; j < d; j++) A[row + j] += ai * x[xOff + j];
  }
}

const SYRK_CHUNK = 512;

/**
 * Z (n×d, row-major) re-laid out for syrk: consecutive chunks of up to 512 rows, each stored transposed (d × rows,
 * contiguous), so the blocked kernel streams each chunk from cache. Pack once when the same Z feeds many updates
 * (e.g. one Hessian per Newton step).
 */
export function packRowChunks(
  Z: Float64Array,
  n: number,
  d: number,
  out: Float64Array = new Float64Array(n * d),
): Float64Array {
  assertDims(
    Z.length >= n * d && out.length >= n * d,
    `packRowChunks Z ${Z.length} (n=${n}, d=${d}), out ${out.length}`,
  );
  for (let r0 = 0; r0 < n; r0 += SYRK_CHUNK) {
    const rows = Math.min(SYRK_CHUNK, n - r0);
    const base = r0 * d;
    for (let r = 0; r < rows; r++) {
      const src = (r0 + r) * d;
      for (let j = 0; j < d; j++) out[base + j * rows + r] = Z[src + j];
    }
  }
  return out;
}

/** Adds the upper triangle accumulated in `upper` to A, mirrored (diagonal blocks hold both triangles). */
function addMirrored(upper: Float64Array, d: number, A: Float64Array): void {
  for (let i = 0; i < d; i++) {
    A[i * d + i] += upper[i * d + i];
    for (let j = i + 1; j < d; j++) {
      const v = upper[i * d + j];
      A[i * d + j] += v;
      A[j * d + i] += v;
    }
  }
}

/**
 * A += Σ_i s_i²·z_i z_iᵀ from a packed Z (see `packRowChunks`), with optional row scales s (e.g. √ of IRLS weights;
 * all 1 when omitted). Only the upper triangle of 4×4 blocks is computed, then mirrored.
 */
export function syrkPacked(packed: Float64Array, n: number, d: number, A: Float64Array, scale?: Float64Array): void {
  assertDims(
    packed.length >= n * d && A.length >= d * d && (!scale || scale.length >= n),
    `syrkPacked packed ${packed.length} (n=${n}, d=${d}), A ${A.length}`,
  );
  const upper = new Float64Array(d * d);
  const work = scale ? new Float64Array(d * Math.min(SYRK_CHUNK, n)) : null;
  for (let r0 = 0; r0 < n; r0 += SYRK_CHUNK) {
    const rows = Math.min(SYRK_CHUNK, n - r0);
    const base = r0 * d;
    let block = packed.subarray(base, base + rows * d);
    if (work && scale) {
      for (let j = 0; j < d; j++) {
        const o = j * rows;
        for (let r = 0; r < rows; r++) work[o + r] = block[o + r] * scale[r0 + r];
      }
      block = work;
    }
    dotBlocks(block, block, d, d, rows, upper, d, true, true);
  }
  addMirrored(upper, d, A);
}

/**
 * A += Zᵀ·Z for Z (n×d) row-major (the covariance accumulation `Σ += Σ_i z_i z_iᵀ`): each chunk of rows is
 * transposed into a small buffer that stays in cache, then fed to the blocked kernel.
 */
export function syrk(Z: Float64Array, n: number, d: number, A: Float64Array): void {
  assertDims(Z.length >= n * d && A.length >= d * d, `syrk Z ${Z.length} (n=${n}, d=${d}), A ${A.length}`);
  const chunk = Math.min(SYRK_CHUNK, n);
  const Zt = new Float64Array(d * chunk);
  const upper = new Float64Array(d * d);
  for (let r0 = 0; r0 < n; r0 += chunk) {
    const rows = Math.min(chunk, n - r0);
    for (let r = 0; r < rows; r++) {
      const src = (r0 + r) * d;
      for (let j = 0; j < d; j++) Zt[j * rows + r] = Z[src + j];
    }
    dotBlocks(Zt, Zt, d, d, rows, upper, d, true, true);
  }
  addMirrored(upper, d, A);
}
