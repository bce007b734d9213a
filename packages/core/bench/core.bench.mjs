// `pnpm --filter @gsh/core bench`: medians of the core kernels beside numpy doing the same work in the same command.
import { fileURLToPath } from "node:url";
import { measure, printTable, runPython } from "@gsh/bench-harness";
import {
  Rng,
  covarianceSweep,
  gemm,
  gibbsBackward,
  leftProduct,
  markovForward,
  promptFeatures,
  weightedRowSums,
  prefixTreeLeaves,
  syrk,
  gibbsPolicy,
  objective,
  linearReward,
} from "../dist/index.js";
import { referenceCovarianceSweep, referenceGibbsBackward } from "../dist/markov-sweeps.js";
import { referencePrefixTreeLeaves } from "../dist/prefix-tree.js";

const rng = Rng.seeded(0).split("bench/core");
const rows = [];

for (const n of [256, 512]) {
  const A = rng.normals(new Float64Array(n * n));
  const B = rng.normals(new Float64Array(n * n));
  const C = new Float64Array(n * n);
  rows.push({
    name: `gemm ${n}³`,
    ms: measure(() => gemm(A, B, n, n, n, C), { reps: n === 256 ? 9 : 5 }),
    flops: 2 * n ** 3,
  });
}

{
  const n = 100_000,
    d = 64;
  const Z = rng.normals(new Float64Array(n * d));
  const S = new Float64Array(d * d);
  rows.push({
    name: "covariance Σ += ZᵀZ (n=1e5, d=64)",
    ms: measure(() => syrk(Z, n, d, S), { reps: 5 }),
    flops: 2 * n * d * d,
    note: "GFLOP/s counted as a full gemm (2nd²) for both; gsh computes only the upper triangle",
  });
}

{
  const X = 1000,
    A = 1024,
    d = 64,
    eta = 0.1;
  const features = { contexts: X, actions: A, dim: d, values: new Float64Array(X * A * d) };
  for (let i = 0; i < X * A; i++) rng.unitBall(d, features.values.subarray(i * d, (i + 1) * d));
  const theta = rng.unitSphere(d).map((v) => 3 * v);
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    let s = 0;
    for (let a = 0; a < A; a++) s += probs[x * A + a] = Math.exp(rng.normal() / 0.3);
    for (let a = 0; a < A; a++) probs[x * A + a] /= s;
  }
  const pi0 = { contexts: X, actions: A, probs };
  const reward = new Float64Array(X * A);
  const out = new Float64Array(X * A);
  const gibbsAndJ = (buffer) => () => {
    linearReward(features, theta, reward);
    const { policy } = gibbsPolicy(pi0, reward, eta, buffer);
    return objective(policy, pi0, reward, eta);
  };
  rows.push({
    name: "Gibbs policy + exact J (X=1000, A=1024, d=64)",
    ms: measure(gibbsAndJ(out), { reps: 5 }),
    note: "r = Φθ over 65.5M feature entries (memory-bound gemv), then log-space Gibbs and J; the 8 MB output buffer reused across repetitions, as numpy's allocator reuses its freed blocks",
  });
  rows.push({
    name: "Gibbs policy + exact J, fresh output array",
    ms: measure(gibbsAndJ(undefined), { reps: 5 }),
    note: "the same with a new 8 MB Float64Array per call: first-touch page faults on this VM cost ~33 ms of it (numpy column: the same numpy run)",
  });
}

const numpy = runPython(fileURLToPath(new URL("./numpy_core.py", import.meta.url)));
printTable("@gsh/core kernels (f64, one thread; median ms)", rows, numpy);

// The sequence DP's kernels against the path each replaced, in the same command: both give the same numbers (tested
// bit for bit), so only the time differs. Sizes are the suites' (S-large: V = 64, L = 32, d = 16; S: V = 8, L = 6;
// T: V = 512, L = 12, d = 7).
const dp = [];
const pair = (name, fast, old, reps, note) => {
  const a = measure(fast, { reps }),
    b = measure(old, { reps });
  dp.push(
    { name: `${name}: kernel`, ms: a },
    { name: `${name}: replaced path`, ms: b, note: `${note}; ${(b / a).toFixed(1)}× the kernel's time` },
  );
};
{
  const V = 64,
    L = 32,
    rows = V + 1,
    stride = V + 1;
  const kernel = Float64Array.from({ length: rows * V }, () => rng.uniform());
  const input = () => ({
    kernel,
    kernelOffset: 0,
    rowMax: rng.normals(new Float64Array(rows)),
    rowMaxOffset: 0,
    messages: new Float64Array(L * stride),
    messageOffset: 0,
    normalizers: new Float64Array(L * stride),
    normalizerOffset: 0,
    stride,
  });
  const w = new Float64Array(rows),
    failed = new Int32Array(1);
  const x20 = (run) => () => {
    for (let x = 0; x < 20; x++) run(input(), rows, V, L, w, failed);
  };
  pair(
    "Gibbs backward pass, 20 prompts (S-large)",
    x20(gibbsBackward),
    x20(referenceGibbsBackward),
    9,
    "the TypeScript loop with Math.log/Math.exp per state and position (its row sums in TypeScript too)",
  );
}
{
  const V = 512,
    d = 7;
  const K = Float64Array.from({ length: V * V }, () => rng.uniform());
  const Ys = Array.from({ length: 11 }, () => rng.normals(new Float64Array(V * d)));
  pair(
    "K·Y at 11 positions (T: 512×512 by 512×7)",
    () => {
      const p = leftProduct(K, V, V);
      for (const Y of Ys) p.times(Y, d);
      p.dispose();
    },
    () => {
      for (const Y of Ys) gemm(K, Y, V, V, d);
    },
    9,
    "gemm per position, copying and packing K each time",
  );
}
{
  const V = 64,
    L = 32,
    d = 16,
    S = (V + 1) * V;
  const psi = rng.normals(new Float64Array(S * d));
  const probs = Float64Array.from({ length: L * S }, () => rng.uniform() / V);
  const mu = Float64Array.from({ length: (L + 1) * (V + 1) }, () => rng.uniform());
  const occ = new Float64Array(S),
    G = new Float64Array(S * d);
  const sweep = (make) => () => {
    const c = make(V, L, psi, d);
    for (let x = 0; x < 4; x++) c.add(probs, 0, mu, 0.25);
    c.read(occ, G);
    c.dispose();
  };
  pair(
    "feature covariance forward pass, 4 prompts (S-large)",
    sweep(covarianceSweep),
    sweep(referenceCovarianceSweep),
    5,
    "the TypeScript loop",
  );
}
{
  const V = 8,
    L = 6,
    width = 17,
    S = (V + 1) * V;
  const table = rng.normals(new Float64Array(S * width));
  const center = rng.normals(new Float64Array(width - 1));
  const logs = Float64Array.from({ length: S }, () => Math.log(rng.uniform()));
  pair(
    "prefix-tree walk over 8⁶ responses, one prompt (S)",
    () => prefixTreeLeaves(table, width, V, L, center, logs, 0),
    () => referencePrefixTreeLeaves(table, width, V, L, center, logs, 0),
    7,
    "the recursive TypeScript walk (the one forEachResponse runs)",
  );
}
{
  const V = 64,
    L = 32,
    X = 20,
    d = 16,
    S = (V + 1) * V;
  const kernel = Float64Array.from({ length: X * S }, () => rng.uniform());
  const messages = Float64Array.from({ length: X * L * (V + 1) }, () => rng.uniform());
  const normalizers = Float64Array.from({ length: X * L * (V + 1) }, () => 1 + rng.uniform());
  const psi = rng.normals(new Float64Array(S * d));
  pair(
    "expected features of 20 prompts (S-large)",
    () => promptFeatures(kernel, messages, normalizers, V, L, X, psi, d),
    () => {
      // per prompt: the start row, markovForward (its tables copied in per call), weightedRowSums
      const out = new Float64Array(X * d);
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
        const o = x * L * (V + 1);
        markovForward(
          {
            kernel,
            kernelOffset: x * S,
            vocab: V,
            length: L,
            messages,
            messageOffset: o,
            normalizers,
            normalizerOffset: o,
            stride: V + 1,
          },
          mu,
          occ,
        );
        rowsOfPsi.add(occ, 0, L, out, x * d);
      }
      rowsOfPsi.dispose();
    },
    9,
    "the three steps per prompt, each a call into the kernels",
  );
}
printTable("sequence DP kernels beside the paths they replaced (same numbers; median ms)", dp, {});
