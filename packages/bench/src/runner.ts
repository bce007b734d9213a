import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import { Piscina } from "piscina";
import type { GshError } from "@gsh/core";
import type { Registry } from "./registry";
import type { Suite } from "./suite";
import { expandTrials, failedRow, runTrial, shardTrials, type Trial } from "./trial";
import { appendResult, readResults } from "./results-file";
import type { ResultRow } from "./result-row";

export interface RunOptions {
  /** Output directory; results.jsonl and suite.json are written there. */
  readonly outDir: string;
  /** Worker threads (default: the number of cores). 1 runs in this thread. */
  readonly workers?: number;
  /** Skip trials already in results.jsonl (repairing a torn last line first). */
  readonly resume?: boolean;
  /** Run only the deterministic slice `index` of `count`. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Called after each finished trial. */
  readonly onTrial?: (row: ResultRow, done: number, total: number) => void;
  /** Called once the trial list is known. */
  readonly onStart?: (total: number, skipped: number) => void;
}

export interface RunSummary {
  readonly outDir: string;
  readonly resultsPath: string;
  readonly trials: number;
  readonly skipped: number;
  readonly failed: number;
  readonly wallMs: number;
}

function workerScript(): string {
  // From the TypeScript sources (tests) the worker still runs the compiled build.
  return __filename.endsWith(".ts") ? join(__dirname, "..", "dist", "worker.js") : join(__dirname, "worker.js");
}

/**
 * Runs a validated suite: trials in parallel over worker threads (piscina), each row appended to results.jsonl as it
 * finishes. A trial's numbers depend on its seed and labels only, never on the worker count or order.
 *
 * @example
 * const summary = await runSuite(suite, registry, { outDir: "bench-results/smoke", workers: 2 })();
 */
export function runSuite(suite: Suite, registry: Registry, options: RunOptions): TE.TaskEither<GshError, RunSummary> {
  return async () => {
    const start = performance.now();
    const resultsPath = join(options.outDir, "results.jsonl");
    try {
      mkdirSync(options.outDir, { recursive: true });
    } catch (e) {
      return E.left({ _tag: "IOError", path: options.outDir, message: (e as Error).message });
    }
    let trials = expandTrials(suite);
    if (options.shard) {
      const { index, count } = options.shard;
      if (!(Number.isInteger(index) && Number.isInteger(count) && count >= 1 && index >= 0 && index < count))
        return E.left({
          _tag: "InvalidArgument",
          field: "shard",
          message: `expected i/N with 0 ≤ i < N, got ${index}/${count}`,
        });
      trials = shardTrials(trials, index, count);
    }
    const existing = existsSync(resultsPath) ? readResults(resultsPath, options.resume === true) : [];
    if (existing.length > 0 && !options.resume)
      return E.left({
        _tag: "IOError",
        path: resultsPath,
        message: `already holds ${existing.length} results; pass --resume to continue it, or choose another --out`,
      });
    const done = new Set(existing.map((r) => r.trialId));
    const todo = trials.filter((t) => !done.has(t.id));
    writeFileSync(
      join(options.outDir, "suite.json"),
      JSON.stringify({ ...suite, shard: options.shard ?? null }, null, 2),
    );
    options.onStart?.(todo.length, trials.length - todo.length);

    let finished = 0;
    let failed = 0;
    const record = (row: ResultRow) => {
      appendResult(resultsPath, row);
      finished++;
      if (row.status === "failed") failed++;
      options.onTrial?.(row, finished, todo.length);
    };
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length || 1));
    if (workers === 1) {
      for (const t of todo) record(await runTrial(t, registry));
    } else {
      const pool = new Piscina({
        filename: workerScript(),
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: 1000,
      });
      try {
        await Promise.all(
          todo.map((trial: Trial) =>
            pool.run({ trial, plugins: registry.plugins }).then(
              (row: ResultRow) => record(row),
              // A trial whose worker died (e.g. a plugin that failed to load there) is recorded, not lost.
              (e: unknown) => record(failedRow(trial, `worker failed: ${(e as Error)?.message ?? String(e)}`, 0)),
            ),
          ),
        );
      } finally {
        await pool.destroy();
      }
    }
    return E.right({
      outDir: options.outDir,
      resultsPath,
      trials: todo.length,
      skipped: trials.length - todo.length,
      failed,
      wallMs: performance.now() - start,
    });
  };
}
