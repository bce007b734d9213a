// The Markov sweeps against their definitions, bit for bit: each output is the plain row-at-a-time loop's sum,
// in the same order, on both backends (the WebAssembly kernels and the TypeScript reference), for sizes that leave
// remainders after the four-row and two-lane blocks, with zero masses and weights mixed in.
import {
  Rng,
  covarianceSweep,
  gibbsBackward,
  markovForward,
  markovSecondMoments,
  promptFeatures,
  rowSums,
  weightedRowSums,
} from "../src";
import {
  referenceCovarianceSweep,
  referenceGibbsBackward,
  referencePromptFeatures,
  referenceMarkovForward,
  referenceMarkovSecondMoments,
  referenceRowSums,
  referenceWeightedRowSums,
} from "../src/markov-sweeps";
import { wasmKernels } from "../src/wasm/module";

const rng = Rng.seeded(20261206).split("markov-sweeps");
const uniform = (n: number, zeroShare = 0) =>
  Float64Array.from({ length: n }, () => (rng.uniform() < zeroShare ? 0 : rng.uniform() * 2));
const signed = (n: number) => rng.normals(new Float64Array(n));

/** Same bits (so −0 and +0 differ, and NaN never passes). */
function expectBitIdentical(actual: Float64Array, expected: Float64Array) {
  expect(actual.length).toBe(expected.length);
  const a = new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i]) throw new Error(`entry ${i}: ${actual[i]} ≠ ${expected[i]} (bits differ)`);
}

it("runs on the WebAssembly kernels under Node 20", () => {
  expect(wasmKernels).not.toBeNull();
});

describe("rowSums", () => {
  it.each([
    [1, 1],
    [3, 2],
    [4, 5],
    [7, 64],
    [9, 3],
    [65, 64],
    [17, 33],
  ])("%i rows × %i: the in-order sum of every row, on both backends", (rows, n) => {
    const pad = 5;
    const K = signed(pad + rows * n);
    const u = signed(3 + n);
    const expected = new Float64Array(rows);
    for (let s = 0; s < rows; s++) {
      let sum = 0;
      for (let v = 0; v < n; v++) sum += K[pad + s * n + v] * u[3 + v];
      expected[s] = sum;
    }
    for (const block of [rowSums(rows, n), referenceRowSums(rows, n)]) {
      const out = new Float64Array(rows);
      block.load(K, pad);
      block.sums(u, 3, out);
      block.dispose();
      expectBitIdentical(out, expected);
    }
  });
});

describe("markovForward", () => {
  it.each([
    [1, 2],
    [3, 4],
    [4, 1],
    [6, 5],
    [8, 6],
    [9, 3],
    [64, 4],
  ])("V = %i, L = %i: the row-at-a-time forward pass, zero masses skipped, on both backends", (V, L) => {
    const stride = V + 1;
    const ko = 2,
      mo = 3,
      zo = 1;
    const input = {
      kernel: uniform(ko + V * V),
      kernelOffset: ko,
      vocab: V,
      length: L,
      messages: uniform(mo + L * stride),
      messageOffset: mo,
      normalizers: Float64Array.from(uniform(zo + L * stride), (z) => z + 0.5),
      normalizerOffset: zo,
      stride,
    };
    const mu0 = uniform(V, 0.3);
    const occ0 = uniform(V * V);
    // The definition: for t = 1..L−1, for each state with mass, its row's terms added to occ and to the next mass.
    const mu = Float64Array.from(mu0);
    const occ = Float64Array.from(occ0);
    for (let t = 1; t < L; t++) {
      const next = new Float64Array(V);
      for (let s = 0; s < V; s++) {
        if (mu[s] === 0) continue;
        const c = mu[s] / input.normalizers[zo + t * stride + s];
        for (let v = 0; v < V; v++) {
          const q = c * input.kernel[ko + s * V + v] * input.messages[mo + t * stride + v];
          occ[s * V + v] += q;
          next[v] += q;
        }
      }
      mu.set(next);
    }
    for (const run of [markovForward, referenceMarkovForward]) {
      const m = Float64Array.from(mu0);
      const o = Float64Array.from(occ0);
      run(input, m, o);
      expectBitIdentical(o, occ);
      if (L >= 2) expectBitIdentical(m, mu);
    }
  });
});

describe("weightedRowSums", () => {
  it.each([
    [1, 1],
    [4, 2],
    [7, 3],
    [130, 16],
    [13, 5],
  ])("n = %i, d = %i: Σ_i (w_i/div)·A_i in i order, zero weights skipped, on both backends", (n, d) => {
    const A = signed(n * d);
    const w = uniform(2 + n, 0.3);
    const start = signed(4 + d);
    const div = 7;
    const expected = Float64Array.from(start);
    for (let i = 0; i < n; i++) {
      const c = w[2 + i] / div;
      if (c === 0) continue;
      for (let k = 0; k < d; k++) expected[4 + k] += c * A[i * d + k];
    }
    for (const sums of [weightedRowSums(A, n, d), referenceWeightedRowSums(A, n, d)]) {
      const out = Float64Array.from(start);
      sums.add(w, 2, div, out, 4);
      sums.dispose();
      expectBitIdentical(out, expected);
    }
  });
});

describe("markovSecondMoments", () => {
  it.each([
    [3, 1, 1],
    [4, 3, 2],
    [5, 4, 7],
    [9, 5, 3],
  ])(
    "V = %i, L = %i, d = %i: the row-at-a-time recursion, zero-probability terms skipped, on both backends",
    (V, L, d) => {
      const stride = V + 1;
      const kernel = uniform(V * V, 0.2);
      const messages = uniform(L * stride);
      const normalizers = Float64Array.from(uniform(L * stride), (z) => z + 0.5);
      const psi = signed(V * V * d);
      const input = {
        kernel,
        kernelOffset: 0,
        vocab: V,
        length: L,
        messages,
        messageOffset: 0,
        normalizers,
        normalizerOffset: 0,
        stride,
      };
      const m0 = signed(V * d),
        M0 = signed(V * d * d);
      // The definition, written out: m_t(s) = Σ_v p·(ψ + m_{t+1}(v)), M_t(s) = Σ_v p·(ψψᵀ + ψ m ᵀ + m ψᵀ + M_{t+1}(v)).
      let m = Float64Array.from(m0),
        M = Float64Array.from(M0);
      for (let t = L - 1; t >= 1; t--) {
        const mt = new Float64Array(V * d),
          Mt = new Float64Array(V * d * d);
        for (let s = 0; s < V; s++)
          for (let v = 0; v < V; v++) {
            const p = (1 / normalizers[t * stride + s]) * kernel[s * V + v] * messages[t * stride + v];
            if (p === 0) continue;
            for (let a = 0; a < d; a++) {
              const pa = psi[(s * V + v) * d + a],
                ma = m[v * d + a];
              mt[s * d + a] += p * (pa + ma);
              for (let b = 0; b < d; b++) {
                const pb = psi[(s * V + v) * d + b];
                Mt[(s * d + a) * d + b] += p * (pa * pb + pa * m[v * d + b] + ma * pb + M[(v * d + a) * d + b]);
              }
            }
          }
        m = mt;
        M = Mt;
      }
      for (const run of [markovSecondMoments, referenceMarkovSecondMoments]) {
        const mo = Float64Array.from(m0),
          Mo = Float64Array.from(M0);
        run(input, psi, d, mo, Mo);
        expectBitIdentical(mo, m);
        expectBitIdentical(Mo, M);
      }
    },
  );
});

describe("covarianceSweep", () => {
  it.each([
    [1, 1, 1],
    [3, 2, 3],
    [5, 4, 16],
    [8, 3, 7],
  ])("V=%i L=%i d=%i: occ and G are the plain loop's sums over (prompt, t, s, v), on both backends", (V, L, d) => {
    const S = (V + 1) * V;
    const X = 3;
    const psi = signed(S * d);
    const probs = uniform(X * L * S, 0.2); // zero entries are skipped
    const mus = Array.from({ length: X }, () => uniform((L + 1) * (V + 1), 0.2));
    const weights = [0.5, 0, 1.25];
    // the definition, a plain loop
    const occ = new Float64Array(S);
    const G = new Float64Array(S * d);
    for (let x = 0; x < X; x++) {
      let F = new Float64Array((V + 1) * d);
      for (let t = 0; t < L; t++) {
        const next = new Float64Array((V + 1) * d);
        for (let s = 0; s <= V; s++) {
          const m = mus[x][t * (V + 1) + s];
          if (m === 0) continue;
          for (let v = 0; v < V; v++) {
            const p = probs[x * L * S + (t * (V + 1) + s) * V + v];
            if (p === 0) continue;
            const i = s * V + v;
            occ[i] += weights[x] * m * p;
            for (let k = 0; k < d; k++) {
              G[i * d + k] += weights[x] * p * F[s * d + k];
              next[v * d + k] += p * (F[s * d + k] + m * psi[i * d + k]);
            }
          }
        }
        F = next;
      }
    }
    for (const sweep of [covarianceSweep(V, L, psi, d), referenceCovarianceSweep(V, L, psi, d)]) {
      for (let x = 0; x < X; x++) sweep.add(probs, x * L * S, mus[x], weights[x]);
      const o = new Float64Array(S),
        g = new Float64Array(S * d);
      sweep.read(o, g);
      sweep.dispose();
      expectBitIdentical(o, occ);
      expectBitIdentical(g, G);
    }
  });
});

describe("gibbsBackward", () => {
  it.each([
    [1, 1, 1],
    [5, 4, 6], // rows = V + 1: a per-prompt pass with its start row
    [8, 8, 3], // rows = V: the shared pass
    [9, 8, 12],
    [65, 64, 5],
  ])(
    "rows=%i V=%i L=%i: z_t, u_t, W_0 and the scale of the plain loop (Math.log, Math.exp), on both backends",
    (rows, V, L) => {
      const stride = V + 1;
      const kernel = uniform(3 + rows * V, 0.1);
      const rowMax = signed(2 + rows);
      // the definition
      const u = new Float64Array(L * stride + 4),
        z = new Float64Array(L * stride + 4);
      const W = new Float64Array(rows);
      u.fill(1, 4 + (L - 1) * stride, 4 + (L - 1) * stride + V + 1);
      let scale = 0;
      for (let t = L - 1; t >= 0; t--) {
        let top = -Infinity;
        for (let s = 0; s < rows; s++) {
          let sum = 0;
          for (let v = 0; v < V; v++) sum += kernel[3 + s * V + v] * u[4 + t * stride + v];
          z[4 + t * stride + s] = sum;
          W[s] = rowMax[2 + s] + Math.log(sum);
          top = Math.max(top, W[s]);
        }
        if (t > 0) {
          for (let s = 0; s < rows; s++) u[4 + (t - 1) * stride + s] = Math.exp(W[s] - top);
          scale += top;
        }
      }
      for (const run of [gibbsBackward, referenceGibbsBackward]) {
        const messages = new Float64Array(L * stride + 4),
          normalizers = new Float64Array(L * stride + 4),
          w = new Float64Array(rows);
        const input = {
          kernel,
          kernelOffset: 3,
          rowMax,
          rowMaxOffset: 2,
          messages,
          messageOffset: 4,
          normalizers,
          normalizerOffset: 4,
          stride,
        };
        expect(run(input, rows, V, L, w, new Int32Array(1))).toBe(scale);
        expectBitIdentical(messages, u);
        expectBitIdentical(normalizers, z);
        expectBitIdentical(w, W);
      }
    },
  );

  it("reports the position where a row's weights underflow", () => {
    const V = 3,
      L = 4,
      stride = V + 1;
    const kernel = Float64Array.from([1, 1, 1, 0, 0, 0, 1, 1, 1]); // row 1 sums to 0 at every position
    for (const run of [gibbsBackward, referenceGibbsBackward]) {
      const failedAt = new Int32Array(1);
      const input = {
        kernel,
        kernelOffset: 0,
        rowMax: new Float64Array(3),
        rowMaxOffset: 0,
        messages: new Float64Array(L * stride),
        messageOffset: 0,
        normalizers: new Float64Array(L * stride),
        normalizerOffset: 0,
        stride,
      };
      expect(run(input, 3, V, L, new Float64Array(3), failedAt)).toBeNaN();
      expect(failedAt[0]).toBe(L - 1);
    }
  });
});

describe("promptFeatures", () => {
  it.each([
    [3, 1, 2, 1],
    [4, 5, 3, 3],
    [8, 6, 5, 16],
    [9, 4, 2, 7],
  ])(
    "V=%i L=%i X=%i d=%i: the start row, markovForward and weightedRowSums per prompt, on both backends",
    (V, L, X, d) => {
      const S = (V + 1) * V;
      const kernel = uniform(X * S, 0.1);
      const messages = uniform(X * L * (V + 1));
      const normalizers = Float64Array.from({ length: X * L * (V + 1) }, () => 0.5 + rng.uniform());
      const psi = signed(S * d);
      // the composition the per-prompt DP ran before, prompt by prompt
      const expected = new Float64Array(X * d);
      const rowsOfPsi = weightedRowSums(psi, S, d);
      for (let x = 0; x < X; x++) {
        const occ = new Float64Array(S),
          mu = new Float64Array(V);
        const c = 1 / normalizers[x * L * (V + 1) + V];
        for (let v = 0; v < V; v++) {
          const q = c * kernel[x * S + V * V + v] * messages[x * L * (V + 1) + v];
          occ[V * V + v] += q;
          mu[v] += q;
        }
        markovForward(
          {
            kernel,
            kernelOffset: x * S,
            vocab: V,
            length: L,
            messages,
            messageOffset: x * L * (V + 1),
            normalizers,
            normalizerOffset: x * L * (V + 1),
            stride: V + 1,
          },
          mu,
          occ,
        );
        rowsOfPsi.add(occ, 0, L, expected, x * d);
      }
      rowsOfPsi.dispose();
      for (const run of [promptFeatures, referencePromptFeatures])
        expectBitIdentical(run(kernel, messages, normalizers, V, L, X, psi, d), expected);
    },
  );
});
