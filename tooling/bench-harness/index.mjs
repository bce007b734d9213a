// Shared by the packages' `bench` scripts: time a function (median of repeats after a warm-up), run the numpy
// baseline of the same operations in the same command, and print one table with gsh/numpy ratios.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Median wall time in ms of `fn()` over `reps` runs after `warmup` runs. */
export function measure(fn, { reps = 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Runs a Python baseline script that prints one JSON object {rowName: medianMs}. Returns {} (and says why)
 * when python3 or numpy is missing, so the gsh rows still print.
 */
export function runPython(scriptPath, args = []) {
  const r = spawnSync("python3", [scriptPath, ...args.map(String)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: {
      ...process.env,
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? "1",
      OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? "1",
    },
  });
  if (r.status !== 0) {
    process.stderr.write(
      `numpy baseline unavailable (${scriptPath}): ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}\n`,
    );
    return {};
  }
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * Prints rows {name, ms, flops?, note?} beside numpy's medians (keyed by name), with GFLOP/s where flops are
 * given and the ratio gsh/numpy (time; > 1 means gsh is slower).
 */
export function printTable(title, rows, numpy) {
  const header = ["row", "gsh ms", "gsh GFLOP/s", "numpy ms", "numpy GFLOP/s", "gsh/numpy"];
  const body = rows.map((r) => {
    const np = numpy[r.name];
    const gf = (ms) => (r.flops && ms ? (r.flops / (ms * 1e6)).toFixed(2) : "");
    return [
      r.name,
      r.ms.toFixed(2),
      gf(r.ms),
      np !== undefined ? np.toFixed(2) : "n/a",
      gf(np),
      np ? (r.ms / np).toFixed(2) + "×" : "n/a",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  if (notes.length) console.log(notes.join("\n"));
}
