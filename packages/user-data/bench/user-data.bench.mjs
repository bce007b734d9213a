// `pnpm --filter @gsh/user-data bench [candidates pairs dim]` (default 100000 1000000 768): writes a synthetic
// user problem (f32 embeddings, BT labels from a hidden θ*) as JSONL, then times the streaming read and the fit
// (no cross-validation; one 5-fold run at a tenth of the pairs) and reports the peak resident memory of each step,
// each step in a fresh process (heap capped at 2 GB) so that its peak is its own. Run in the same command as a numpy baseline is not
// meaningful here (the point is the memory bound), so the table shows gsh only.
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [m = 100_000, n = 1_000_000, d = 768] = process.argv.slice(2).map(Number);
const X = Math.max(1, Math.floor(m / 16)); // 16 candidates per prompt
const dir = mkdtempSync(join(tmpdir(), "gsh-user-data-bench-"));
const path = join(dir, "problem.jsonl");

if (process.env.GSH_BENCH_STEP) {
  const { readUserProblem, fitUserModel } = await import("../dist/index.js");
  const t0 = performance.now();
  const p = await readUserProblem(process.env.GSH_BENCH_FILE, { dtype: "f32" })();
  if (p._tag !== "Right") throw new Error(JSON.stringify(p.left));
  const read = performance.now() - t0;
  let fit = 0;
  let iterations = 0;
  if (process.env.GSH_BENCH_STEP !== "read") {
    const folds = process.env.GSH_BENCH_STEP === "cv" ? 5 : 0;
    const t1 = performance.now();
    const f = fitUserModel(p.right, { folds });
    if (f._tag !== "Right") throw new Error(JSON.stringify(f.left));
    fit = performance.now() - t1;
    iterations = f.right.iterations;
  }
  const peakMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KB
  console.log(JSON.stringify({ read, fit, iterations, pairs: p.right.chosen.length, peakMb }));
  process.exit(0);
}

async function writeProblem(file, pairs) {
  // a tiny deterministic generator (xorshift), so the file is the same on every run
  let s = 0x9e3779b9;
  const u = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
  const theta = Float64Array.from({ length: d }, () => (u() - 0.5) * (6 / Math.sqrt(d)));
  const feats = new Float32Array(m * d);
  for (let i = 0; i < m * d; i++) feats[i] = (u() - 0.5) * 2;
  const out = createWriteStream(file);
  const put = async (o) => {
    if (!out.write(JSON.stringify(o) + "\n")) await once(out, "drain");
  };
  await put({ type: "problem", version: 1, dim: d, dtype: "f32" });
  for (let c = 0; c < m; c++)
    await put({
      type: "candidate",
      id: `c${c}`,
      prompt: `p${c % X}`,
      features: Array.from(feats.subarray(c * d, (c + 1) * d)),
    });
  for (let i = 0; i < pairs; i++) {
    const x = Math.floor(u() * X);
    const per = Math.ceil((m - x) / X);
    const a = x + X * Math.floor(u() * per);
    let b = x + X * Math.floor(u() * per);
    if (b === a) b = a + X < m ? a + X : a - X;
    let r = 0;
    for (let k = 0; k < d; k++) r += theta[k] * (feats[a * d + k] - feats[b * d + k]);
    const aWins = u() < 1 / (1 + Math.exp(-r));
    await put({ type: "pair", chosen: `c${aWins ? a : b}`, rejected: `c${aWins ? b : a}` });
  }
  out.end();
  await once(out, "finish");
}

function step(name, file) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=2048", fileURLToPath(import.meta.url)], {
    env: { ...process.env, GSH_BENCH_STEP: name, GSH_BENCH_FILE: file },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const t0 = performance.now();
await writeProblem(path, n);
const bytes = statSync(path).size;
console.log(
  `wrote ${m} candidates × d = ${d} (f32) and ${n} pairs: ${(bytes / 2 ** 20).toFixed(0)} MB of JSONL in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
const read = step("read", path);
const fit = step("fit", path);
const cvPath = join(dir, "cv.jsonl");
await writeProblem(cvPath, Math.floor(n / 10));
const cv = step("cv", cvPath);
rmSync(dir, { recursive: true, force: true });
console.log(`\n@gsh/user-data at ${m} candidates, d = ${d} (f32 features), one thread`);
console.log(
  `read (streaming, validated)            ${(read.read / 1000).toFixed(1)} s   peak RSS ${read.peakMb.toFixed(0)} MB`,
);
console.log(
  `read + fit ${fit.pairs} pairs (no CV)   ${(fit.fit / 1000).toFixed(1)} s fit, ${fit.iterations} Newton iterations   peak RSS ${fit.peakMb.toFixed(0)} MB`,
);
console.log(
  `read + fit ${cv.pairs} pairs + 5-fold CV  ${(cv.fit / 1000).toFixed(1)} s   peak RSS ${cv.peakMb.toFixed(0)} MB`,
);
