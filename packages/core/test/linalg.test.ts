import {
  Rng,
  axpy,
  backSubstitute,
  cholesky,
  choleskyRank1Update,
  choleskySolve,
  dot,
  gemm,
  gemv,
  gemvT,
  mahalanobisNorms,
  symmetricEigen,
  syr,
  syrk,
} from "../src";
import { packRowChunks, syrkPacked } from "../src/blas-reference";

function randomMatrix(rng: Rng, m: number, n: number): Float64Array {
  return rng.normals(new Float64Array(m * n));
}

function naiveMatmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  return C;
}

function spd(rng: Rng, d: number): Float64Array {
  const G = randomMatrix(rng, d + 3, d);
  const A = new Float64Array(d * d);
  syrk(G, d + 3, d, A);
  for (let i = 0; i < d; i++) A[i * d + i] += 0.5;
  return A;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("BLAS kernels", () => {
  const rng = Rng.seeded(0).split("blas");

  it("dot, axpy, gemv and gemvT agree with their definitions", () => {
    const a = Float64Array.from([1, 2, 3]);
    const b = Float64Array.from([4, -5, 6]);
    expect(dot(a, b)).toBe(12);
    const y = Float64Array.from([1, 1, 1]);
    axpy(2, a, y);
    expect(Array.from(y)).toEqual([3, 5, 7]);
    const A = Float64Array.from([1, 2, 3, 4, 5, 6]); // 2×3
    expect(Array.from(gemv(A, 2, 3, a))).toEqual([14, 32]);
    expect(Array.from(gemvT(A, 2, 3, Float64Array.from([1, -1])))).toEqual([-3, -3, -3]);
  });

  it.each([
    [1, 1, 1],
    [5, 7, 3],
    [17, 9, 13],
    [64, 64, 64],
    [33, 70, 31],
  ])("gemm %i×%i·%i×… matches the naive product to 1e-12", (m, k, n) => {
    const A = randomMatrix(rng, m, k);
    const B = randomMatrix(rng, k, n);
    expect(maxAbsDiff(gemm(A, B, m, k, n), naiveMatmul(A, B, m, k, n))).toBeLessThan(1e-12);
    const C = Float64Array.from(naiveMatmul(A, B, m, k, n));
    gemm(A, B, m, k, n, C, true);
    expect(
      maxAbsDiff(
        C,
        naiveMatmul(A, B, m, k, n).map((v) => 2 * v),
      ),
    ).toBeLessThan(1e-12);
  });

  it("syrk accumulates ZᵀZ (n not a multiple of the chunk or of 4) and syr adds x·xᵀ", () => {
    for (const [n, d] of [
      [1, 1],
      [7, 5],
      [1500, 13],
      [2049, 16],
    ]) {
      const Z = randomMatrix(rng, n, d);
      const A = new Float64Array(d * d).fill(1);
      syrk(Z, n, d, A);
      const Zt = new Float64Array(d * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Zt[j * n + i] = Z[i * d + j];
      const expected = naiveMatmul(Zt, Z, d, n, d).map((v) => v + 1);
      expect(maxAbsDiff(A, expected)).toBeLessThan(1e-9);
    }
    const A = new Float64Array(4);
    syr(2, Float64Array.from([1, 3]), A, 2);
    expect(Array.from(A)).toEqual([2, 6, 6, 18]);
  });

  it("throws a clear RangeError on a dimension mismatch", () => {
    expect(() => gemv(new Float64Array(5), 2, 3, new Float64Array(3))).toThrow(/dimension mismatch: gemv/);
    expect(() => gemm(new Float64Array(4), new Float64Array(4), 2, 2, 3)).toThrow(/dimension mismatch: gemm/);
  });
});

describe("Cholesky", () => {
  const rng = Rng.seeded(0).split("cholesky");

  it("factors, reconstructs A = LLᵀ and solves with residual < 1e-10", () => {
    for (const d of [1, 3, 16, 64]) {
      const A = spd(rng, d);
      const L = cholesky(A, d);
      const Lt = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Lt[j * d + i] = L[i * d + j];
      expect(maxAbsDiff(gemm(L, Lt, d, d, d), A)).toBeLessThan(1e-10 * d);
      const b = rng.normals(new Float64Array(d));
      const x = choleskySolve(L, d, b);
      expect(maxAbsDiff(gemv(A, d, d, x), b)).toBeLessThan(1e-10);
    }
  });

  it("a rank-1 update equals the factor of A + xxᵀ", () => {
    const d = 12;
    const A = spd(rng, d);
    const x = rng.normals(new Float64Array(d));
    const L = cholesky(A, d);
    choleskyRank1Update(L, d, x);
    syr(1, x, A, d);
    expect(maxAbsDiff(L, cholesky(A, d))).toBeLessThan(1e-11);
  });

  it("refuses a matrix that is not positive definite, naming the pivot", () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite \(pivot 1/);
  });

  it("batched Mahalanobis norms equal sqrt(vᵀ Σ⁻¹ v) by explicit solves", () => {
    const d = 9;
    const n = 300;
    const S = spd(rng, d);
    const L = cholesky(S, d);
    const V = randomMatrix(rng, n, d);
    const norms = mahalanobisNorms(L, d, V, n);
    for (let i = 0; i < n; i += 37) {
      const v = V.subarray(i * d, (i + 1) * d);
      const expected = Math.sqrt(dot(v, choleskySolve(L, d, v)));
      expect(norms[i]).toBeCloseTo(expected, 12);
    }
    expect(backSubstitute(L, d, new Float64Array(d)).every((v) => v === 0)).toBe(true);
  });
});

describe("symmetric eigendecomposition", () => {
  const rng = Rng.seeded(0).split("eigen");

  it.each([1, 2, 5, 32, 128])("d = %i: V·diag(λ)·Vᵀ reconstructs A, V is orthonormal, λ ascending", (d) => {
    const G = randomMatrix(rng, d, d);
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = G[i * d + j] + G[j * d + i];
    const { values, vectors } = symmetricEigen(A, d);
    const VD = new Float64Array(d * d);
    const Vt = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let k = 0; k < d; k++) {
        VD[i * d + k] = vectors[i * d + k] * values[k];
        Vt[k * d + i] = vectors[i * d + k];
      }
    const scale = Math.max(1, ...Array.from(values, Math.abs));
    expect(maxAbsDiff(gemm(VD, Vt, d, d, d), A)).toBeLessThan(1e-12 * d * scale);
    const I = gemm(Vt, vectors, d, d, d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) expect(Math.abs(I[i * d + j] - (i === j ? 1 : 0))).toBeLessThan(1e-12 * d);
    for (let k = 1; k < d; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  });

  it("finds the known spectrum of a diagonal-plus-rank-one matrix and of a repeated eigenvalue", () => {
    const { values } = symmetricEigen(Float64Array.from([2, 0, 0, 0, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values)).toEqual([2, 2, 5]);
    const ones = new Float64Array(16).fill(1); // eigenvalues 0, 0, 0, 4
    const r = symmetricEigen(ones, 4);
    expect(r.values[3]).toBeCloseTo(4, 13);
    expect(Math.abs(r.values[0])).toBeLessThan(1e-13);
  });
});

describe("packed syrk", () => {
  it("syrk and the reference syrkPacked with row scales equal Σ s_i² z_i z_iᵀ (n not a multiple of the chunk)", () => {
    const rng = Rng.seeded(9);
    const n = 1100,
      d = 7;
    const Z = rng.normals(new Float64Array(n * d));
    const s = Float64Array.from({ length: n }, () => rng.uniform());
    const packed = new Float64Array(d * d);
    syrkPacked(packRowChunks(Z, n, d), n, d, packed, s);
    const kernel = new Float64Array(d * d);
    syrk(Z, n, d, kernel, s);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let e = 0;
        for (let r = 0; r < n; r++) e += s[r] * s[r] * Z[r * d + i] * Z[r * d + j];
        expect(packed[i * d + j]).toBeCloseTo(e, 9);
        expect(kernel[i * d + j]).toBeCloseTo(e, 9);
      }
  });
});
