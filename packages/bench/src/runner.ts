import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import { Piscina } from "piscina";
import type { GshError } from "@gsh/core";
import { type Registry, pluginLoadTimeoutSeconds } from "./registry";
import type { Suite } from "./suite";
import { expandTrials, failedRow, shardTrials, type Trial } from "./trial";
import { RESULT_SCHEMA, type ResultRow, readResultsFile } from "@gsh/report";
import { appendResult, quarantineBadLines, corruptPath, setFailedRowsAside } from "./results-file";
import { shortFingerprint, suiteFingerprint } from "./fingerprint";
import { readSuiteRecord, suiteMismatch, writeSuiteRecord } from "./results-dir";
import { lockDir } from "./dir-lock";

export interface RunOptions {
  /** Output directory; results.jsonl and suite.json are written there. */
  readonly outDir: string;
  /** Worker threads (default: the number of cores). Every trial runs in a worker thread, also with 1. */
  readonly workers?: number;
  /** Skip trials already in results.jsonl (bad lines are moved to results.corrupt.jsonl first). */
  readonly resume?: boolean;
  /** Run only the deterministic slice `index` of `count`. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Called after each finished trial. */
  readonly onTrial?: (row: ResultRow, done: number, total: number) => void;
  /** Called once the trial list is known. */
  readonly onStart?: (total: number, skipped: number) => void;
  /**
   * Save each trial's fitted reward model and, where the trained policy is a Gibbs policy of a linear reward, that
   * reward, as gsh/reward-model JSON in <outDir>/policies/ (`gsh bench --save-policies`). Rows are unchanged.
   */
  readonly savePolicies?: boolean;
  /** Called when --resume moved bad lines aside (how many, and where). */
  readonly onQuarantine?: (lines: number, path: string) => void;
  /**
   * With `resume`: rerun the trials whose rows failed (`gsh bench --retry-failed`); their failed rows move to
   * results.retried.jsonl first.
   */
  readonly retryFailed?: boolean;
  /** Runs after the last trial, still holding the directory's lock (the CLI writes its report here). */
  readonly onFinish?: (summary: RunSummary) => Promise<void>;
}

export interface RunSummary {
  readonly outDir: string;
  readonly resultsPath: string;
  readonly trials: number;
  readonly skipped: number;
  readonly failed: number;
  /** Failed trials by cause (the row's errorTag), e.g. { Timeout: 1, Exception: 2 }. */
  readonly failures: Readonly<Record<string, number>>;
  /** Failed rows already in the directory from earlier runs (kept by `--resume`; `--retry-failed` reruns them). */
  readonly failedEarlier: number;
  readonly wallMs: number;
}

function workerScript(): string {
  // From the TypeScript sources (tests) the worker still runs the compiled build.
  return __filename.endsWith(".ts") ? join(__dirname, "..", "dist", "worker.js") : join(__dirname, "worker.js");
}

const io = (path: string, message: string): E.Either<GshError, never> => E.left({ _tag: "IOError", path, message });

/**
 * Runs a validated suite: every trial in a worker thread (piscina), each row appended to results.jsonl as it
 * finishes. A results directory is owned: one writer at a time (a lock file, expired 5 s after a killed owner),
 * and bound to one suite by its fingerprint, which `--resume` checks. A trial that exceeds the suite's
 * `trialTimeoutSeconds`, or crashes its worker (e.g. past `heapLimitMb`), is a failed row with its cause and the
 * worker is replaced. A trial's numbers depend on its seed and labels only, never on the worker count or order.
 *
 * @example
 * const summary = await runSuite(suite, registry, { outDir: "bench-results/smoke", workers: 2 })();
 */
export function runSuite(suite: Suite, registry: Registry, options: RunOptions): TE.TaskEither<GshError, RunSummary> {
  return async () => {
    const start = performance.now();
    const { outDir } = options;
    const resultsPath = join(outDir, "results.jsonl");
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      return io(
        outDir,
        `cannot create the output directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const lock = await lockDir(outDir);
    if (E.isLeft(lock)) return lock;
    try {
      let r: E.Either<GshError, RunSummary>;
      try {
        r = await runLocked(suite, registry, options, resultsPath, start, lock.right.compromised);
      } catch (e) {
        // Synchronous writes inside (suite.json, results.jsonl, policies/) throw on a full disk or a lost mount: a
        // Left, not a rejected promise, like every other I/O failure here.
        const err = e as NodeJS.ErrnoException;
        return io(outDir, `writing the results failed: ${err.code ?? err.message}`);
      }
      if (E.isRight(r)) await options.onFinish?.(r.right);
      return r;
    } finally {
      await lock.right.release();
    }
  };
}

async function runLocked(
  suite: Suite,
  registry: Registry,
  options: RunOptions,
  resultsPath: string,
  start: number,
  compromised: () => Error | null,
): Promise<E.Either<GshError, RunSummary>> {
  const { outDir } = options;
  let trials = expandTrials(suite);
  if (options.savePolicies) {
    const dir = join(outDir, "policies");
    mkdirSync(dir, { recursive: true });
    trials = trials.map((t) => ({ ...t, saveModelsDir: dir }));
  }
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
  const fingerprint = suiteFingerprint(suite);
  let content = readResultsFile(resultsPath);
  const nonEmpty = content.rows.length + content.corrupt.length + content.duplicates.length > 0;
  const hasRecord = existsSync(join(outDir, "suite.json"));
  if (!options.resume && nonEmpty)
    return io(
      resultsPath,
      `already holds ${content.rows.length} results; pass --resume to continue it, or choose another --out`,
    );
  if (!options.resume && hasRecord)
    return io(outDir, "already holds a suite.json; pass --resume to continue it, or choose another --out");
  if (nonEmpty || hasRecord) {
    const record = readSuiteRecord(outDir);
    if (E.isLeft(record)) return record;
    const mismatch = suiteMismatch(record.right, suite, fingerprint);
    if (mismatch) return io(outDir, mismatch);
    const foreign = content.rows.find((r) => r.suiteFingerprint !== fingerprint);
    if (foreign)
      return io(
        resultsPath,
        `row '${foreign.trialId}' has fingerprint ${shortFingerprint(foreign.suiteFingerprint)}, not this suite's ${shortFingerprint(fingerprint)}`,
      );
    const moved = quarantineBadLines(resultsPath, content);
    if (moved > 0) options.onQuarantine?.(moved, corruptPath(resultsPath));
    if (options.retryFailed) content = { ...content, rows: setFailedRowsAside(resultsPath, content.rows) };
  }
  const done = new Set(content.rows.map((r) => r.trialId));
  const todo = trials.filter((t) => !done.has(t.id));
  const mine = new Set(trials.map((t) => t.id));
  const failedEarlier = content.rows.filter((r) => r.status === "failed" && mine.has(r.trialId)).length;
  // A process that lost the lock (it stalled past STALE_MS) must not overwrite the new owner's suite.json.
  const lost = compromised();
  if (lost) return io(outDir, `lost the directory's lock (${lost.message}); wrote nothing`);
  writeSuiteRecord(outDir, {
    ...suite,
    fingerprint,
    resultSchema: RESULT_SCHEMA,
    shard: options.shard ?? null,
    partial: null,
    machine: {
      startedAt: new Date().toISOString(),
      platform: process.platform,
      arch: process.arch,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      workers: options.workers ?? availableParallelism(),
    },
  });
  // An empty shard (more shards than trials) still leaves a results file, so a strict merge of every shard works.
  appendFileSync(resultsPath, "");
  options.onStart?.(todo.length, trials.length - todo.length);

  let finished = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const record = (row: ResultRow) => {
    const lost = compromised();
    if (lost) throw lost;
    appendResult(resultsPath, row);
    finished++;
    if (row.status === "failed") {
      failed++;
      const tag = row.errorTag ?? "Failed";
      failures[tag] = (failures[tag] ?? 0) + 1;
    }
    options.onTrial?.(row, finished, todo.length);
  };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length || 1));
  const pool = new Piscina({
    filename: workerScript(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1000,
    resourceLimits: { maxOldGenerationSizeMb: suite.heapLimitMb },
  });
  // Warm every worker first (plugins loaded, TypeScript ones compiled) so that no trial's clock pays for it; a
  // plugin that fails to load here still fails each trial with its message below.
  // The warm-up is under the plugin-load timeout: a plugin that never finishes loading in a worker stops the run.
  const loadSeconds = pluginLoadTimeoutSeconds();
  const warm = await Promise.all(
    Array.from({ length: workers }, () =>
      pool
        .run({ plugins: registry.plugins }, { signal: AbortSignal.timeout(loadSeconds * 1000) })
        .then(() => true)
        .catch((e: Error) => e?.name !== "AbortError" && e?.name !== "TimeoutError"),
    ),
  );
  if (warm.includes(false)) {
    await pool.destroy();
    return E.left({
      _tag: "InvalidArgument",
      field: "plugins",
      message: `a plugin did not finish loading in a worker thread within ${loadSeconds} s (GSH_PLUGIN_LOAD_TIMEOUT_S); no trial ran`,
    });
  }
  const timeoutMs = suite.trialTimeoutSeconds * 1000;
  // At most `workers` trials in flight, so a trial's clock starts when a worker takes it, not while it queues; and it
  // starts when the worker flags that the trial itself began (plugins loaded), so a worker that replaces a stopped
  // one pays its plugin compilation under the plugin-load limit, not the next trial's. Checked every 50 ms.
  const queue = [...todo];
  const runOne = async (trial: Trial) => {
    const abort = new AbortController();
    const started = performance.now();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    let clockFrom: number | null = null;
    let reason: "timeout" | "load" | null = null;
    const watch = setInterval(() => {
      const now = performance.now();
      if (clockFrom === null && Atomics.load(flag, 0) === 1) clockFrom = now;
      if (clockFrom !== null ? now - clockFrom > timeoutMs : now - started > loadSeconds * 1000) {
        reason = clockFrom !== null ? "timeout" : "load";
        abort.abort();
      }
    }, 50);
    try {
      record(
        (await pool.run({ trial, plugins: registry.plugins, started: flag }, { signal: abort.signal })) as ResultRow,
      );
    } catch (e) {
      if (compromised()) throw e;
      const timedOut = abort.signal.aborted;
      record(
        failedRow(
          trial,
          reason === "timeout"
            ? `timed out after ${suite.trialTimeoutSeconds} s (its worker thread was stopped)`
            : reason === "load"
              ? `its worker did not finish loading the plugins within ${loadSeconds} s (GSH_PLUGIN_LOAD_TIMEOUT_S)`
              : `worker crashed: ${(e as Error)?.message ?? String(e)}`,
          performance.now() - started,
          "",
          0,
          timedOut ? "Timeout" : "WorkerCrash",
        ),
      );
    } finally {
      clearInterval(watch);
    }
  };
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let t = queue.shift(); t !== undefined; t = queue.shift()) await runOne(t);
      }),
    );
  } catch (e) {
    return io(outDir, `lost the directory's lock while running (${(e as Error).message}); stopped writing`);
  } finally {
    await pool.destroy();
  }
  return E.right({
    outDir,
    resultsPath,
    trials: todo.length,
    skipped: trials.length - todo.length,
    failed,
    failures,
    failedEarlier,
    wallMs: performance.now() - start,
  });
}
