// `pnpm --filter @gsh/online bench`: one online GSHF run (T = 10, m = 1000, X = 100, A = 256, d = 32) and the
// pessimism bonus over all (x, a) (X = 1000, A = 1024, d = 64), beside numpy running the same algorithms.
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { printTable, runPython, measure } from "@gsh/bench-harness";
import { Rng } from "@gsh/core";
import { Covariance, linearBandit } from "@gsh/preference";
import { onlineGshf } from "../dist/index.js";

const rows = [];
{
  const inst = linearBandit(0, {
    contexts: 100,
    actions: 256,
    dim: 32,
    normBound: 3,
    eta: 0.1,
    referenceTemperature: 0.3,
  });
  const t0 = performance.now();
  const r = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(0).split("oracle")), Rng.seeded(0).split("online"), {
    iterations: 10,
    batchSize: 1000,
    beta: Math.sqrt(32),
  });
  const ms = performance.now() - t0;
  if (r._tag !== "Right") throw new Error(JSON.stringify(r.left));
  rows.push({
    name: "online GSHF T=10 m=1000 X=100 A=256 d=32",
    ms,
    note: `one run (not a median); enhancer over 2·(d + d) directions, ${r.right.queries} queries`,
  });
}
{
  // Option II's bonus β‖φ(x,a) − ν(x)‖_{Σ⁻¹} for every (x, a): the Mahalanobis norms of X·A vectors.
  const X = 1000,
    A = 1024,
    d = 64;
  const rng = Rng.seeded(1).split("bench/bonus");
  const V = rng.normals(new Float64Array(X * A * d));
  const cov = new Covariance(d, 1);
  cov.addRows(rng.normals(new Float64Array(5000 * d)), 5000);
  rows.push({
    name: "pessimism bonus X=1000 A=1024 d=64",
    ms: measure(() => cov.norms(V, X * A), { reps: 3 }),
    flops: 2 * X * A * d * d,
    note: "norms of V·L⁻ᵀ rows by the blocked kernel (triangular zeros not skipped)",
  });
}
const numpy = runPython(fileURLToPath(new URL("./numpy_online.py", import.meta.url)));
printTable("@gsh/online (ms)", rows, numpy);
