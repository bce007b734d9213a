import { type SequenceProblem, referenceLogTable } from "./problem";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Every response of length L over V tokens, in lexicographic order (Vᴸ of them): for tests on tiny settings. */
export function enumerateResponses(vocab: number, length: number): Int32Array[] {
  const total = vocab ** length;
  if (total > 1 << 20) throw new RangeError(`refusing to enumerate ${total} responses`);
  const out: Int32Array[] = [];
  for (let i = 0; i < total; i++) {
    const y = new Int32Array(length);
    let k = i;
    for (let t = length - 1; t >= 0; t--) {
      y[t] = k % vocab;
      k = Math.floor(k / vocab);
    }
    out.push(y);
  }
  return out;
}

/**
 * Streams every response of prompt x in `enumerateResponses` order without storing them: a depth-first walk of the
 * prefix tree carrying prefix sums of a per-bigram table (`table`: (V+1)·V rows of `width` numbers) and of log π0,
 * so each response costs O(width) amortized instead of O(L·width). `visit(index, sums, logRef)` sees Σ_t table(y_{t−1},
 * y_t) and log π0(y|x); `sums` is reused between calls.
 */
export function forEachResponse(
  problem: SequenceProblem,
  x: number,
  table: Float64Array,
  width: number,
  visit: (index: number, sums: Float64Array, logRef: number) => void,
): void {
  const { vocab: V, length: L } = problem;
  const S = (V + 1) * V;
  if (table.length !== S * width) throw new RangeError(`table has ${table.length} entries, expected ${S * width}`);
  const sums = new Float64Array((L + 1) * width);
  const logRef = new Float64Array(L + 1);
  const y = new Int32Array(L);
  const logPi0 = referenceLogTable(problem, x);
  let index = 0;
  const leaf = sums.subarray(L * width);
  const walk = (t: number, s: number) => {
    for (let v = 0; v < V; v++) {
      const row = (s * V + v) * width;
      const o = t * width,
        n = (t + 1) * width;
      for (let k = 0; k < width; k++) sums[n + k] = sums[o + k] + table[row + k];
      logRef[t + 1] = logRef[t] + logPi0[s * V + v];
      y[t] = v;
      if (t + 1 === L) visit(index++, leaf, logRef[L]);
      else walk(t + 1, v);
    }
  };
  walk(0, V);
}
