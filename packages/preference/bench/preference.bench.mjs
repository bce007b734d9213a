// `pnpm --filter @gsh/preference bench`: BT MLE and JSONL I/O medians beside numpy/scipy doing the same work.
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { measure, printTable, runPython } from "@gsh/bench-harness";
import { Rng, sigmoid } from "@gsh/core";
import { fitBradleyTerryOrThrow, PreferenceDataset } from "../dist/index.js";
import { readPreferencesJsonl, writePreferencesJsonl } from "../dist/node.js";

const rng = Rng.seeded(0).split("bench/preference");
const rows = [];
for (const d of [16, 64]) {
  for (const n of [1e3, 1e4, 1e5]) {
    const theta = rng.unitSphere(d).map((v) => 3 * v);
    const Z = new Float64Array(n * d);
    const z = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      rng.unitBall(d, z);
      let m = 0;
      for (let k = 0; k < d; k++) m += z[k] * theta[k];
      const s = rng.uniform() < sigmoid(m) ? 1 : -1; // orient winner − loser
      for (let k = 0; k < d; k++) Z[i * d + k] = s * z[k];
    }
    let iters = 0;
    const ms = measure(() => (iters = fitBradleyTerryOrThrow(Z, n, d, { lambda: 1 }).iterations), {
      reps: n >= 1e5 ? 3 : 5,
    });
    rows.push({ name: `BT MLE n=${n} d=${d}`, ms, note: `${iters} Newton iterations` });
  }
}

const dir = mkdtempSync(join(tmpdir(), "gsh-bench-"));
const path = join(dir, "prefs.jsonl");
const N = 1_000_000;
const data = new PreferenceDataset(N);
for (let i = 0; i < N; i++) data.push(rng.int(1000), rng.int(1024), rng.int(1024), rng.uniform() < 0.5 ? 1 : 0);
const once = async (f) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};
const median3 = async (f) => {
  const t = [await once(f), await once(f), await once(f)].sort((a, b) => a - b);
  return t[1];
};
rows.push({ name: "JSONL write 1e6 records", ms: await median3(() => writePreferencesJsonl(path, data)()) });
rows.push({
  name: "JSONL read 1e6 records",
  ms: await median3(() => readPreferencesJsonl(path, { contexts: 1000, actions: 1024 })()),
  note: "streamed into typed columns, every field validated",
});
rmSync(dir, { recursive: true, force: true });

const numpy = runPython(fileURLToPath(new URL("./numpy_preference.py", import.meta.url)));
printTable(
  "@gsh/preference (median ms; numpy column = the same Newton/IRLS in numpy, JSONL with Python's json module)",
  rows,
  numpy,
);
const scipy = Object.entries(numpy).filter(([k]) => k.startsWith("scipy"));
if (scipy.length)
  console.log(
    "\nscipy.optimize (trust-exact with analytic Hessian), for reference:\n" +
      scipy.map(([k, v]) => `  ${k}: ${v.toFixed(2)} ms`).join("\n"),
  );
