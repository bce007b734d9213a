// The prefix-tree walk against its definition, bit for bit on both backends: for every sequence y (in lexicographic
// order), the table's sums and the log table's sums added position by position from 0, and the norm of the sums'
// last width − 1 against the center with its squares added in coordinate order.
import { Rng, prefixTreeLeaves } from "../src";
import { referencePrefixTreeLeaves } from "../src/prefix-tree";

const rng = Rng.seeded(20261206).split("prefix-tree");

function expectBitIdentical(actual: Float64Array, expected: Float64Array) {
  expect(actual.length).toBe(expected.length);
  const a = new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== e[i]) throw new Error(`entry ${i}: ${actual[i]} ≠ ${expected[i]} (bits differ)`);
}

describe("prefixTreeLeaves", () => {
  it.each([
    [1, 1, 1, 0],
    [3, 4, 3, 0],
    [4, 3, 5, 1],
    [2, 5, 1, 1],
  ])("V=%i L=%i width=%i (position-dependent logs: %i) equals the per-sequence sums", (V, L, width, positional) => {
    const S = (V + 1) * V;
    const table = rng.normals(new Float64Array(S * width));
    const center = rng.normals(new Float64Array(width - 1));
    const logStride = positional ? S : 0;
    const logs = Float64Array.from({ length: (L - 1) * logStride + S }, () =>
      rng.uniform() < 0.1 ? -Infinity : Math.log(rng.uniform()),
    );
    const N = V ** L;
    const first = new Float64Array(N),
      norm = new Float64Array(N),
      log = new Float64Array(N);
    const y = new Int32Array(L);
    for (let i = 0; i < N; i++) {
      let k = i;
      for (let t = L - 1; t >= 0; t--) {
        y[t] = k % V;
        k = Math.floor(k / V);
      }
      const sums = new Float64Array(width);
      let g = 0,
        s = V;
      for (let t = 0; t < L; t++) {
        for (let c = 0; c < width; c++) sums[c] += table[(s * V + y[t]) * width + c];
        g += logs[t * logStride + s * V + y[t]];
        s = y[t];
      }
      let q = 0;
      for (let c = 1; c < width; c++) {
        const e = sums[c] - center[c - 1];
        q += e * e;
      }
      first[i] = sums[0];
      norm[i] = Math.sqrt(q);
      log[i] = g;
    }
    for (const leaves of [
      prefixTreeLeaves(table, width, V, L, center, logs, logStride),
      referencePrefixTreeLeaves(table, width, V, L, center, logs, logStride),
    ]) {
      expectBitIdentical(leaves.first, first);
      expectBitIdentical(leaves.norm, norm);
      expectBitIdentical(leaves.log, log);
    }
  });
});
