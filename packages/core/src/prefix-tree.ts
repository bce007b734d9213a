import { assertDims } from "./errors";
import { type KernelExports, WasmScope, wasmKernels } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Per-leaf results of `prefixTreeLeaves`, in lexicographic order of the Vᴸ sequences. */
export interface PrefixTreeLeaves {
  /** Σ_t table(y_{t−1}, y_t)[0]. */
  readonly first: Float64Array;
  /** ‖Σ_t table(y_{t−1}, y_t)[1..] − center‖ (the squares summed in coordinate order). */
  readonly norm: Float64Array;
  /** Σ_t logs[t·logStride + y_{t−1}·V + y_t] (logStride 0: a position-independent table). */
  readonly log: Float64Array;
}

/**
 * Every token sequence y of length L over V tokens (y₀ = V, the start symbol), walked depth first down the prefix
 * tree so that each sum is carried along the prefix and added in position order, O(width) per leaf: the sums of a
 * per-bigram table ((V+1)·V rows of `width` numbers), the norm of their last width − 1 against `center`, and the
 * sums of a log table. What enumerated (non-Markov) sequence policies need, e.g. Option II's pessimistic reward
 * <θ̂, φ> − β‖φ − ν‖_{Σ⁻¹} with π0's log-probabilities. Both backends add the same numbers in the same order.
 */
export function prefixTreeLeaves(
  table: Float64Array,
  width: number,
  V: number,
  L: number,
  center: Float64Array,
  logs: Float64Array,
  logStride: number,
): PrefixTreeLeaves {
  const S = (V + 1) * V;
  assertDims(
    width >= 1 &&
      L >= 1 &&
      table.length >= S * width &&
      center.length >= width - 1 &&
      logs.length >= (L - 1) * logStride + S,
    `prefixTreeLeaves: tables too short for V=${V}, L=${L}, width=${width}, logStride=${logStride}`,
  );
  return wasmKernels
    ? wasmPrefixTreeLeaves(wasmKernels, table, width, V, L, center, logs, logStride)
    : referencePrefixTreeLeaves(table, width, V, L, center, logs, logStride);
}

/** The TypeScript backend of `prefixTreeLeaves` (exported for the tests). */
export function referencePrefixTreeLeaves(
  table: Float64Array,
  width: number,
  V: number,
  L: number,
  center: Float64Array,
  logs: Float64Array,
  logStride: number,
): PrefixTreeLeaves {
  const N = V ** L;
  const d = width - 1;
  const first = new Float64Array(N),
    norm = new Float64Array(N),
    log = new Float64Array(N);
  const sums = new Float64Array((L + 1) * width);
  const g = new Float64Array(L + 1);
  let leaf = 0;
  const walk = (t: number, s: number) => {
    for (let v = 0; v < V; v++) {
      const row = (s * V + v) * width;
      const o = t * width,
        n = (t + 1) * width;
      for (let k = 0; k < width; k++) sums[n + k] = sums[o + k] + table[row + k];
      g[t + 1] = g[t] + logs[t * logStride + s * V + v];
      if (t + 1 === L) {
        first[leaf] = sums[n];
        let q = 0;
        for (let k = 0; k < d; k++) {
          const e = sums[n + 1 + k] - center[k];
          q += e * e;
        }
        norm[leaf] = Math.sqrt(q);
        log[leaf] = g[L];
        leaf++;
      } else walk(t + 1, v);
    }
  };
  walk(0, V);
  return { first, norm, log };
}

function wasmPrefixTreeLeaves(
  w: KernelExports,
  table: Float64Array,
  width: number,
  V: number,
  L: number,
  center: Float64Array,
  logs: Float64Array,
  logStride: number,
): PrefixTreeLeaves {
  const N = V ** L;
  const S = (V + 1) * V;
  const s = new WasmScope(w);
  try {
    const tp = s.copyIn(table, S * width);
    const cp = s.copyIn(center, Math.max(1, width - 1));
    const lp = s.copyIn(logs, (L - 1) * logStride + S);
    const sums = s.alloc((L + 1) * width);
    const g = s.alloc(L + 1);
    const path = s.allocI32(L);
    const fp = s.alloc(N),
      np = s.alloc(N),
      gp = s.alloc(N);
    w.prefixTreeLeaves(tp, width, V, L, cp, lp, logStride, sums, g, path, fp, np, gp);
    return { first: s.f64(fp, N).slice(), norm: s.f64(np, N).slice(), log: s.f64(gp, N).slice() };
  } finally {
    s.dispose();
  }
}
