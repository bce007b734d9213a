// The f64x2 WebAssembly kernels against the plain TypeScript reference kernels and against closed forms: products
// componentwise within 1e-12·(|A|·|B|), odd sizes and depths past one packed block included; exp within 1 ulp of
// Math.exp over the range the Gibbs and tilt kernels use.
import {
  Rng,
  cholesky,
  forwardSubstitute,
  gemm,
  gibbsPolicy,
  kernelBackend,
  leftProduct,
  logisticAccumulator,
  pairLogisticAccumulator,
  mahalanobisNorms,
  solveLowerRows,
  syrk,
  tiltBatch,
} from "../src";
import * as ref from "../src/blas-reference";
import { referenceLogisticAccumulator, referencePairLogisticAccumulator } from "../src/logistic-accumulator";
import { referenceTiltBatch } from "../src/tilt";
import { wasmKernels, withWasm } from "../src/wasm/module";

const rng = Rng.seeded(20261201).split("wasm-kernels");
const randn = (n: number) => rng.normals(new Float64Array(n));

/** |C − C_ref| ≤ tol·(|A|·|B|) componentwise. */
function expectProductClose(
  C: Float64Array,
  Cref: Float64Array,
  absA: Float64Array,
  absB: Float64Array,
  m: number,
  k: number,
  n: number,
  tol = 1e-12,
) {
  const bound = ref.gemm(absA, absB, m, k, n);
  for (let i = 0; i < m * n; i++) {
    const err = Math.abs(C[i] - Cref[i]);
    if (!(err <= tol * bound[i])) throw new Error(`entry ${i}: |C − C_ref| = ${err} > ${tol}·${bound[i]}`);
  }
}

describe("kernel backend", () => {
  it("Node 20 runs the WebAssembly SIMD kernels (GSH_KERNELS unset)", () => {
    // Every Node ≥ 16.4 has 128-bit WebAssembly SIMD; a "typescript" backend here would mean the module failed to load.
    expect(kernelBackend()).toEqual({ backend: "wasm-simd", reason: null });
  });
});

describe("gemm", () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [17, 33, 9],
    [21, 257, 19], // depth past one packed block (256)
    [64, 600, 65],
    [130, 131, 129],
  ];
  it.each(shapes)("m=%i k=%i n=%i matches the reference, plain and accumulating", (m, k, n) => {
    const A = randn(m * k);
    const B = randn(k * n);
    const absA = A.map(Math.abs);
    const absB = B.map(Math.abs);
    expectProductClose(gemm(A, B, m, k, n), ref.gemm(A, B, m, k, n), absA, absB, m, k, n);
    const C0 = randn(m * n);
    const C = gemm(A, B, m, k, n, Float64Array.from(C0), true);
    const Cref = ref.gemm(A, B, m, k, n, Float64Array.from(C0), true);
    // |C0| adds to the scale of the accumulated entries
    const bound = ref.gemm(absA, absB, m, k, n);
    for (let i = 0; i < m * n; i++)
      expect(Math.abs(C[i] - Cref[i])).toBeLessThanOrEqual(1e-12 * (bound[i] + Math.abs(C0[i])));
  });
  it("k = 256 exactly reproduces the reference's summation order bit for bit on full 4×4 blocks", () => {
    const m = 8,
      k = 256,
      n = 8;
    const A = randn(m * k),
      B = randn(k * n);
    expect(Array.from(gemm(A, B, m, k, n))).toEqual(Array.from(ref.gemm(A, B, m, k, n)));
  });
});

describe("leftProduct (one A packed once, many B)", () => {
  const shapes: [number, number, number][] = [
    [3, 5, 7], // below the kernels' size threshold: the TypeScript loop
    [17, 33, 9],
    [130, 300, 7], // depth past one packed block, ragged row and column panels
    [512, 512, 7], // the text testbed's shared kernel times a V×d block
  ];
  it.each(shapes)("m=%i k=%i n=%i gives gemm's numbers bit for bit, product after product", (m, k, n) => {
    const A = randn(m * k);
    const p = leftProduct(A, m, k);
    try {
      for (let r = 0; r < 3; r++) {
        const B = randn(k * n);
        const C = p.times(B, n);
        expect(Array.from(C)).toEqual(Array.from(gemm(A, B, m, k, n)));
        // and gemm's numbers are A·B: within rounding of the reference product
        expectProductClose(C, ref.gemm(A, B, m, k, n), A.map(Math.abs), B.map(Math.abs), m, k, n);
      }
      // a different width with the same packed A
      const B = randn(k * 3);
      expect(Array.from(p.times(B, 3))).toEqual(Array.from(gemm(A, B, m, k, 3)));
    } finally {
      p.dispose();
    }
  });
});

describe("syrk", () => {
  it.each([
    [5000, 7],
    [2049, 33],
    [300, 64],
  ])("n=%i d=%i with and without row scales matches the reference", (n, d) => {
    const Z = randn(n * d);
    const s = Float64Array.from({ length: n }, () => rng.uniform());
    const absZ = Z.map(Math.abs);
    const absZt = ref.transpose(absZ, n, d);
    const A = randn(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) A[i * d + j] = A[j * d + i];
    const got = Float64Array.from(A);
    syrk(Z, n, d, got);
    const want = Float64Array.from(A);
    ref.syrk(Z, n, d, want);
    const bound = ref.gemm(absZt, absZ, d, n, d);
    for (let i = 0; i < d * d; i++)
      expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-12 * (bound[i] + Math.abs(A[i])));
    const scaled = new Float64Array(d * d);
    syrk(Z, n, d, scaled, s);
    const sZ = Z.map((v, i) => v * s[Math.floor(i / d)]);
    const wantScaled = ref.gemm(ref.transpose(sZ, n, d), sZ, d, n, d);
    for (let i = 0; i < d * d; i++) expect(Math.abs(scaled[i] - wantScaled[i])).toBeLessThanOrEqual(1e-12 * bound[i]);
    // symmetric to the last bit: the upper triangle is mirrored, not recomputed
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(scaled[i * d + j]).toBe(scaled[j * d + i]);
  });
});

describe("triangular solves and Mahalanobis norms", () => {
  const d = 13,
    n = 501;
  const W = randn(40 * d);
  const S = new Float64Array(d * d);
  for (let k = 0; k < d; k++) S[k * d + k] = 1;
  ref.syrk(W, 40, d, S);
  const L = cholesky(S, d);
  const V = randn(n * d);
  it("solveLowerRows equals forward substitution row by row", () => {
    const X = solveLowerRows(L, d, Float64Array.from(V), n);
    for (let r = 0; r < n; r++) {
      const x = forwardSubstitute(L, d, V.subarray(r * d, (r + 1) * d));
      for (let k = 0; k < d; k++) expect(X[r * d + k]).toBeCloseTo(x[k], 12);
    }
  });
  it("mahalanobisNorms equals ‖L⁻¹v‖ (vᵀΣ⁻¹v by forward substitution)", () => {
    const got = mahalanobisNorms(L, d, V, n);
    for (let r = 0; r < n; r++) {
      const y = forwardSubstitute(L, d, V.subarray(r * d, (r + 1) * d));
      const want = Math.hypot(...y);
      expect(Math.abs(got[r] - want)).toBeLessThanOrEqual(1e-12 * want);
    }
  });
});

describe("SIMD exp and row softmax", () => {
  const k = wasmKernels!;
  it("exp is within 1 ulp (relative 2.3e-16) of Math.exp on [−708, 709.78], exact 0 below −746, and ±∞ right", () => {
    const n = 100_001;
    const xs = Float64Array.from({ length: n }, (_, i) => -708 + ((709.78 + 708) * i) / (n - 1));
    const out = withWasm(k, (s) => {
      const p = s.copyIn(xs);
      k.expArray(p, p, n);
      return Float64Array.from(s.f64(p, n));
    });
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out[i] - Math.exp(xs[i])) / Math.exp(xs[i]));
    expect(worst).toBeLessThanOrEqual(2.3e-16);
    const edge = withWasm(k, (s) => {
      const p = s.copyIn(Float64Array.from([-Infinity, -746, -740, 0, 710, Infinity]));
      k.expArray(p, p, 6);
      return Array.from(s.f64(p, 6));
    });
    expect(edge[0]).toBe(0);
    expect(edge[1]).toBe(0);
    expect(Math.abs(edge[2] - Math.exp(-740))).toBeLessThanOrEqual(5e-324); // subnormal: within one subnormal step
    expect(edge[3]).toBe(1);
    expect(edge[4]).toBe(Infinity);
    expect(edge[5]).toBe(Infinity);
  });
  it("log is within 2 ulp (relative 4.5e-16) of Math.log over (0, 1] including subnormals and 1 ± ε; log 0 = −∞", () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, () => Math.exp(-745 * rng.uniform()));
    for (let i = 0; i < 2000; i++) xs[i] = 1 - 1e-3 * rng.uniform(); // near 1, where log x is small
    xs.set([5e-324, 1, 1 - 2 ** -53, 2.2250738585072014e-308, Math.SQRT1_2, 0.5], 2000);
    const out = withWasm(k, (s) => {
      const p = s.copyIn(xs);
      k.logArray(p, p, n);
      return Float64Array.from(s.f64(p, n));
    });
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.log(xs[i]);
      worst = Math.max(worst, want === 0 ? Math.abs(out[i]) : Math.abs(out[i] - want) / Math.abs(want));
    }
    expect(worst).toBeLessThanOrEqual(4.5e-16);
    const zero = withWasm(k, (s) => {
      const p = s.copyIn(Float64Array.of(0, 0));
      k.logArray(p, p, 2);
      return s.f64(p, 2)[0];
    });
    expect(zero).toBe(-Infinity);
  });

  it("gibbsPolicy through the kernels (X·A ≥ 4096) equals π0·e^{r/η}/Z computed directly", () => {
    const X = 8,
      A = 700,
      eta = 0.05;
    const p0 = Float64Array.from({ length: X * A }, () => rng.uniform());
    p0[3] = 0;
    for (let x = 0; x < X; x++) {
      let t = 0;
      for (let a = 0; a < A; a++) t += p0[x * A + a];
      for (let a = 0; a < A; a++) p0[x * A + a] /= t;
    }
    const r = randn(X * A);
    const { policy, logZ } = gibbsPolicy({ contexts: X, actions: A, probs: p0 }, r, eta);
    for (let x = 0; x < X; x++) {
      let m = -Infinity;
      for (let a = 0; a < A; a++) if (p0[x * A + a] > 0) m = Math.max(m, r[x * A + a] / eta);
      let z = 0;
      for (let a = 0; a < A; a++) z += p0[x * A + a] * Math.exp(r[x * A + a] / eta - m);
      expect(Math.abs(logZ[x] - (m + Math.log(z)))).toBeLessThanOrEqual(1e-13 * Math.abs(m + Math.log(z)));
      for (let a = 0; a < A; a++) {
        const want = (p0[x * A + a] * Math.exp(r[x * A + a] / eta - m)) / z;
        expect(Math.abs(policy.probs[x * A + a] - want)).toBeLessThanOrEqual(1e-13 * want + 1e-300);
      }
    }
    expect(policy.probs[3]).toBe(0);
  });

  it("softmaxRows gives the same rows and log-normalisers as softmaxInto", () => {
    const rows = 7,
      cols = 301;
    const x = randn(rows * cols).map((v) => 30 * v);
    x[5] = -Infinity; // a zero-probability action
    const { probs, lse } = withWasm(k, (s) => {
      const p = s.copyIn(x);
      const l = s.alloc(rows);
      k.softmaxRows(p, rows, cols, l);
      return { probs: Float64Array.from(s.f64(p, rows * cols)), lse: Float64Array.from(s.f64(l, rows)) };
    });
    const want = Float64Array.from(x);
    for (let r = 0; r < rows; r++) {
      const l = softmaxRef(want, r * cols, cols);
      expect(Math.abs(lse[r] - l)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(l)));
    }
    expect(probs[5]).toBe(0);
    for (let i = 0; i < rows * cols; i++)
      expect(Math.abs(probs[i] - want[i])).toBeLessThanOrEqual(1e-15 + 1e-13 * want[i]);
  });
});

function softmaxRef(x: Float64Array, off: number, len: number): number {
  let m = -Infinity;
  for (let i = 0; i < len; i++) m = Math.max(m, x[off + i]);
  let s = 0;
  for (let i = 0; i < len; i++) s += Math.exp(x[off + i] - m);
  for (let i = 0; i < len; i++) x[off + i] = Math.exp(x[off + i] - m) / s;
  return m + Math.log(s);
}

describe("tilt batch (the enhancer's lockstep kernel)", () => {
  const X = 9,
    A = 37,
    d = 6,
    K = 5;
  const features = randn(X * A * d).map((v) => v / 3);
  const logits = randn(X * A);
  logits[4] = -Infinity; // π = 0 somewhere
  const logBase = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    const l = softmaxRef(Float64Array.from(logits.subarray(x * A, (x + 1) * A)), 0, A);
    for (let a = 0; a < A; a++) logBase[x * A + a] = logits[x * A + a] - l;
  }
  const w = Float64Array.from({ length: X }, () => rng.uniform());
  const total = w.reduce((a, b) => a + b, 0);
  const contextWeights = w.map((v) => v / total);
  const directions = randn(K * d);
  const input = { contexts: X, actions: A, dim: d, features, logBase, contextWeights, directions, count: K };

  it("matches the per-direction reference for mixed directions, signs and sizes (odd count)", () => {
    const idx = [0, 3, 4, 1, 2, 2, 0];
    const cs = [0, 0.5, -2, 7.5, -0.01, 40, 1e-6];
    const fast = tiltBatch(input);
    const slow = referenceTiltBatch(input);
    const a = fast.evaluate(idx, cs);
    const b = slow.evaluate(idx, cs);
    fast.dispose();
    for (let i = 0; i < idx.length * d; i++) expect(Math.abs(a.means[i] - b.means[i])).toBeLessThanOrEqual(1e-13);
    for (let j = 0; j < idx.length; j++)
      expect(Math.abs(a.kl[j] - b.kl[j])).toBeLessThanOrEqual(1e-13 * Math.max(1, b.kl[j]));
    expect(a.kl[0]).toBeLessThanOrEqual(1e-15); // c = 0 is the base policy itself
  });

  it("KL and mean equal the closed form of an exponential tilt on one context", () => {
    // one context: π_c(a) ∝ π(a)e^{c s_a}; KL(π_c‖π) = Σ π_c log(π_c/π) computed directly
    const one = { ...input, contexts: 1, contextWeights: Float64Array.of(1) };
    const c = 1.7;
    const r = tiltBatch(one).evaluate([2], [c]);
    const s = Array.from({ length: A }, (_, a) => {
      let v = 0;
      for (let k = 0; k < d; k++) v += features[a * d + k] * directions[2 * d + k];
      return v;
    });
    const un = s.map((v, a) => Math.exp(logBase[a] + c * v));
    const Z = un.reduce((x, y) => x + y, 0);
    const p = un.map((v) => v / Z);
    let kl = 0;
    for (let a = 0; a < A; a++) if (p[a] > 0) kl += p[a] * (c * s[a] - Math.log(Z));
    expect(r.kl[0]).toBeCloseTo(kl, 13);
    for (let k = 0; k < d; k++) {
      let m = 0;
      for (let a = 0; a < A; a++) m += p[a] * features[a * d + k];
      expect(r.means[k]).toBeCloseTo(m, 13);
    }
  });
});

describe("logistic accumulator (the BT loss, gradient and Hessian)", () => {
  it("matches the reference and the closed forms on n = 3001 rows, d = 11", () => {
    const n = 3001,
      d = 11;
    const Z = randn(n * d);
    const theta = randn(d);
    theta[0] = 40; // margins of both signs far into the tails
    const fast = logisticAccumulator(Z, n, d);
    const slow = referenceLogisticAccumulator(Z, n, d);
    const g1 = new Float64Array(d),
      g2 = new Float64Array(d);
    const h1 = new Float64Array(d * d),
      h2 = new Float64Array(d * d);
    const f1 = fast.evaluate(theta, g1, h1);
    const f2 = slow.evaluate(theta, g2, h2);
    fast.dispose();
    expect(Math.abs(f1 - f2)).toBeLessThanOrEqual(1e-12 * f2);
    for (let k = 0; k < d; k++) expect(Math.abs(g1[k] - g2[k])).toBeLessThanOrEqual(1e-12 * n);
    for (let i = 0; i < d * d; i++) expect(Math.abs(h1[i] - h2[i])).toBeLessThanOrEqual(1e-12 * n);
    // the gradient is the derivative of the value: a central difference along a random direction
    const u = randn(d);
    const at = (t: number) =>
      referenceLogisticAccumulator(Z, n, d).evaluate(
        theta.map((v, k) => v + t * u[k]),
        null,
        null,
      );
    const fd = (at(1e-5) - at(-1e-5)) / 2e-5;
    const gu = g1.reduce((s, v, k) => s + v * u[k], 0);
    expect(Math.abs(fd - gu)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(gu)));
  });
});

describe("pair logistic accumulator (BT over indexed pairs)", () => {
  it.each([false, true])("equals the accumulator on the explicit rows φ(w) − φ(l) (f32 table: %s)", (f32) => {
    const m = 40,
      d = 13,
      n = 700;
    const table64 = randn(m * d);
    const table = f32 ? Float32Array.from(table64) : table64;
    const winners = Int32Array.from({ length: n }, () => rng.int(m));
    const losers = Int32Array.from({ length: n }, () => rng.int(m));
    const Z = new Float64Array(n * d);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) Z[i * d + k] = table[winners[i] * d + k] - table[losers[i] * d + k];
    const theta = randn(d);
    const g1 = new Float64Array(d),
      g2 = new Float64Array(d),
      g3 = new Float64Array(d);
    const h1 = new Float64Array(d * d),
      h2 = new Float64Array(d * d),
      h3 = new Float64Array(d * d);
    const pairs = pairLogisticAccumulator(table, d, winners, losers);
    const f1 = pairs.evaluate(theta, g1, h1);
    pairs.dispose();
    const f2 = referenceLogisticAccumulator(Z, n, d).evaluate(theta, g2, h2);
    const f3 = referencePairLogisticAccumulator(table, d, winners, losers).evaluate(theta, g3, h3);
    for (const [f, g, h] of [
      [f1, g1, h1],
      [f3, g3, h3],
    ] as const) {
      expect(Math.abs(f - f2)).toBeLessThanOrEqual(1e-12 * f2);
      for (let k = 0; k < d; k++) expect(Math.abs(g[k] - g2[k])).toBeLessThanOrEqual(1e-12 * n);
      for (let i = 0; i < d * d; i++) expect(Math.abs(h[i] - h2[i])).toBeLessThanOrEqual(1e-12 * n);
    }
  });
  it("refuses a pair that references a missing candidate", () => {
    expect(() => pairLogisticAccumulator(new Float64Array(6), 3, Int32Array.of(0), Int32Array.of(2))).toThrow(
      /pair 0 references candidate 0\/2 of 2/,
    );
  });
});
