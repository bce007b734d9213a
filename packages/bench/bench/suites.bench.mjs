// `pnpm --filter @gsh/bench bench`: the suites' time budgets as benchmark rows, measured on this machine.
// The default suite runs whole; the sequence and text suites run one seed of every (environment, algorithm, budget)
// cell, and their whole-suite time is estimated from those trials: Σ over the suite's trials of its cell's one-seed
// time, divided by the workers (a lower bound: it assumes no worker waits for the last long trial). `--full` runs
// them whole instead (sequence about 10 min, text about 6 on 2 cores). Nothing here is a test: it prints numbers.
//   node bench/suites.bench.mjs [--workers N] [--full] [--suites default,sequence,text]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  builtinRegistry,
  estimateRunSeconds,
  expandTrials,
  readResults,
  readSuiteFile,
  resolveSuite,
  runSuite,
  suitePath,
} from "../dist/index.js";

// The floors of the suite-speed issue: seconds of the runner's wall time for the whole suite on 2 cores (the default
// suite's is `pnpm bench`'s time spent in trials, build and report not included).
const FLOORS = { default: 60, sequence: 600, text: 360 };

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: String(Math.min(2, availableParallelism())) },
    full: { type: "boolean", default: false },
    suites: { type: "string", default: "default,sequence,text" },
  },
});
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers ${values.workers}: a positive integer`);

async function resolved(name, seeds) {
  const path = suitePath(name);
  const read = await readSuiteFile(path)();
  if (read._tag === "Left") throw new Error(`${name}: ${JSON.stringify(read.left)}`);
  const file = seeds ? { ...read.right.file, seeds } : read.right.file;
  const suite = resolveSuite(file, builtinRegistry(), path, read.right.baseDir);
  if (suite._tag === "Left") throw new Error(`${name}: ${JSON.stringify(suite.left)}`);
  return suite.right;
}

const rows = [];
for (const name of values.suites.split(",")) {
  const whole = name === "default" || values.full;
  const suite = await resolved(name, whole ? undefined : 1);
  const out = mkdtempSync(join(tmpdir(), `gsh-suite-bench-${name}-`));
  process.stderr.write(`${name}: running ${whole ? "the whole suite" : "one seed per cell"} on ${workers} workers…\n`);
  const run = await runSuite(suite, builtinRegistry(), { outDir: out, workers })();
  if (run._tag === "Left") throw new Error(`${name}: ${JSON.stringify(run.left)}`);
  const results = readResults(join(out, "results.jsonl"));
  rmSync(out, { recursive: true, force: true });
  const trialSeconds = results.reduce((s, r) => s + r.wallMs, 0) / 1000;
  let estimate = run.right.wallMs / 1000;
  let trials = results.length;
  if (!whole) {
    const all = expandTrials(await resolved(name));
    trials = all.length;
    estimate = estimateRunSeconds(all, results, workers).seconds;
  }
  rows.push({
    suite: name,
    ran: `${results.length}${run.right.failed ? ` (${run.right.failed} failed)` : ""}`,
    wall: run.right.wallMs / 1000,
    trialSeconds,
    trials,
    estimate,
    measure: whole ? "measured" : "estimated",
    floor: FLOORS[name],
  });
}

const header = ["suite", "trials run", "wall s", "Σ trial s", "suite trials", "suite s", "how", "floor s", "within"];
const body = rows.map((r) => [
  r.suite,
  r.ran,
  r.wall.toFixed(1),
  r.trialSeconds.toFixed(1),
  String(r.trials),
  r.estimate.toFixed(0),
  r.measure,
  r.floor === undefined ? "" : String(r.floor),
  r.floor === undefined ? "" : r.estimate <= r.floor ? "yes" : "no",
]);
const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
console.log(`Suite time budgets on ${workers} workers (${new Date().toISOString()})`);
console.log([line(header), w.map((x) => "-".repeat(x)).join("  "), ...body.map(line)].join("\n"));
