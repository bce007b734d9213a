// The neural-training issue's floors, read from a `neural` suite run: `node packages/bench/scripts/neural-floors.mjs
// <results dir>`. Each floor is judged by a rule fixed before the run: "below SubOpt(π0)" means the upper end of the
// 95% t-interval over seeds of the paired difference SubOpt(π) − SubOpt(π0) is below 0 (π0's SubOpt of the same
// seed's instance, recorded in the row); "within 2× of log-linear DPO" compares the seed means. Prints met / missed
// with the numbers; exits 0 either way (a missed floor is a result, reported in the README with its cause).
import { readResultsFile } from "@gsh/report";
import { summarize } from "@gsh/core";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node packages/bench/scripts/neural-floors.mjs <results dir>");
  process.exit(2);
}
const rows = readResultsFile(join(dir, "results.jsonl")).rows.filter((r) => r.status === "ok");
const cell = (env, alg, budget) =>
  rows.filter((r) => r.environment === env && r.algorithm === alg && r.budget === budget);

function belowPi0(env, alg, budget) {
  const rs = cell(env, alg, budget);
  if (!rs.length) return `${env} | ${alg} | ${budget}: no rows`;
  const d = summarize(rs.map((r) => r.metrics.subopt - r.referenceSubopt));
  const s = summarize(rs.map((r) => r.metrics.subopt));
  const p0 = summarize(rs.map((r) => r.referenceSubopt));
  const met = d.mean + d.ci95 < 0;
  return `${met ? "met   " : "MISSED"} ${env} | ${alg} | ${budget} queries (${rs.length} seeds): SubOpt ${s.mean.toFixed(4)} vs SubOpt(π0) ${p0.mean.toFixed(4)}; paired difference ${d.mean.toFixed(4)} ± ${d.ci95.toFixed(4)} (95% t)`;
}

function within(env, a, b, budget, factor) {
  const ra = cell(env, a, budget);
  const rb = cell(env, b, budget);
  if (!ra.length || !rb.length) return `${env} | ${a} vs ${b} | ${budget}: no rows`;
  const ma = summarize(ra.map((r) => r.metrics.subopt)).mean;
  const mb = summarize(rb.map((r) => r.metrics.subopt)).mean;
  return `${ma <= factor * mb ? "met   " : "MISSED"} ${env} | ${a} within ${factor}× of ${b} at ${budget}: ${ma.toFixed(4)} vs ${mb.toFixed(4)} (${(ma / mb).toFixed(2)}×)`;
}

console.log("hard floor (stated defaults, 10 seeds):");
console.log(belowPi0("S η=0.1", "Markov MLP", 1000));
console.log(belowPi0("S η=0.1", "Markov MLP", 3000));
console.log("further floors:");
console.log(within("S η=0.1", "Markov MLP", "DPO (log-linear)", 10000, 2));
for (const [env, seeds] of [
  ["S η=0.1", "5 seeds"],
  ["T η=0.1", "3 seeds"],
])
  for (const arch of ["recurrent", "transformer"]) console.log(belowPi0(env, `${arch}, ${seeds}`, 3000));
console.log("for reference (the regimes compared):");
for (const alg of ["Markov MLP, 3-epoch rule", "Markov MLP, fixed steps (before 2026-12-06)"])
  for (const b of [1000, 3000]) console.log(belowPi0("S η=0.1", alg, b));
