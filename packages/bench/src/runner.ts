import { existsSync, mkdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import { Piscina } from "piscina";
import lockfile from "proper-lockfile";
import type { GshError } from "@gsh/core";
import type { Registry } from "./registry";
import type { Suite } from "./suite";
import { expandTrials, failedRow, shardTrials, type Trial } from "./trial";
import { RESULT_SCHEMA, type ResultRow, readResultsFile } from "@gsh/report";
import { appendResult, quarantineBadLines, corruptPath } from "./results-file";
import { shortFingerprint, suiteFingerprint } from "./fingerprint";
import { readSuiteRecord, writeSuiteRecord } from "./results-dir";

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
}

export interface RunSummary {
  readonly outDir: string;
  readonly resultsPath: string;
  readonly trials: number;
  readonly skipped: number;
  readonly failed: number;
  /** Failed trials by cause (the row's errorTag), e.g. { Timeout: 1, Exception: 2 }. */
  readonly failures: Readonly<Record<string, number>>;
  readonly wallMs: number;
}

function workerScript(): string {
  // From the TypeScript sources (tests) the worker still runs the compiled build.
  return __filename.endsWith(".ts") ? join(__dirname, "..", "dist", "worker.js") : join(__dirname, "worker.js");
}

/** How long a lock survives its owner: a killed run's lock expires after this, a live one refreshes it. */
const LOCK_STALE_MS = 5000;
const LOCK_UPDATE_MS = 1000;

/**
 * Takes the directory's lock. A lock held by a live process (its file is refreshed every second) is refused at
 * once; one left by a killed process stops being refreshed and is taken over once stale (5 s).
 */
async function acquireLock(dir: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
  const lockfilePath = join(dir, ".gsh.lock");
  const options = { lockfilePath, stale: LOCK_STALE_MS, update: LOCK_UPDATE_MS, realpath: false, onCompromised };
  try {
    return await lockfile.lock(dir, { ...options, retries: 0 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
  }
  const mtime = () => {
    try {
      return statSync(lockfilePath).mtimeMs;
    } catch {
      return -1;
    }
  };
  const before = mtime();
  await new Promise((r) => setTimeout(r, 1.5 * LOCK_UPDATE_MS));
  const after = mtime();
  if (after !== -1 && after !== before) throw Object.assign(new Error("locked"), { code: "ELOCKED" });
  const waits = Math.ceil(LOCK_STALE_MS / 1000) + 2;
  return lockfile.lock(dir, { ...options, retries: { retries: waits, minTimeout: 1000, maxTimeout: 1000, factor: 1 } });
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
    let release: (() => Promise<void>) | null = null;
    let compromised: Error | null = null;
    try {
      release = await acquireLock(outDir, (err) => {
        // Another process took the lock (ours went stale): stop writing rather than interleave with it.
        compromised = err;
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return io(
        outDir,
        code === "ELOCKED"
          ? "another gsh process is writing to this directory (its lock is being refreshed); wait for it to finish, or choose another --out"
          : `cannot lock the output directory: ${code ?? (e as Error).message}`,
      );
    }
    try {
      return await runLocked(suite, registry, options, resultsPath, start, () => compromised);
    } catch (e) {
      // Synchronous writes inside (suite.json, results.jsonl, policies/) throw on a full disk or a lost mount: a Left,
      // not a rejected promise, like every other I/O failure here.
      const err = e as NodeJS.ErrnoException;
      return io(outDir, `writing the results failed: ${err.code ?? err.message}`);
    } finally {
      await release().catch(() => undefined);
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
  const content = readResultsFile(resultsPath);
  const nonEmpty = content.rows.length + content.corrupt.length + content.duplicates.length > 0;
  if (nonEmpty && !options.resume)
    return io(
      resultsPath,
      `already holds ${content.rows.length} results; pass --resume to continue it, or choose another --out`,
    );
  if (nonEmpty || existsSync(join(outDir, "suite.json"))) {
    if (!options.resume && existsSync(join(outDir, "suite.json")))
      return io(outDir, "already holds a suite.json; pass --resume to continue it, or choose another --out");
    const record = readSuiteRecord(outDir);
    const theirs = E.isRight(record) ? record.right.fingerprint : undefined;
    if (theirs !== fingerprint)
      return io(
        outDir,
        `holds another suite (fingerprint ${shortFingerprint(theirs)}; this one is ${shortFingerprint(fingerprint)}): the grid, a parameter, a budget or the seeds differ. Use another --out`,
      );
    const foreign = content.rows.find((r) => r.suiteFingerprint !== fingerprint);
    if (foreign)
      return io(
        resultsPath,
        `row '${foreign.trialId}' has fingerprint ${shortFingerprint(foreign.suiteFingerprint)}, not this suite's ${shortFingerprint(fingerprint)}`,
      );
    const moved = quarantineBadLines(resultsPath, content);
    if (moved > 0) options.onQuarantine?.(moved, corruptPath(resultsPath));
  }
  const done = new Set(content.rows.map((r) => r.trialId));
  const todo = trials.filter((t) => !done.has(t.id));
  writeSuiteRecord(outDir, {
    ...suite,
    fingerprint,
    resultSchema: RESULT_SCHEMA,
    shard: options.shard ?? null,
    partial: null,
  });
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
  await Promise.all(
    Array.from({ length: workers }, () => pool.run({ plugins: registry.plugins }).catch(() => undefined)),
  );
  const timeoutMs = suite.trialTimeoutSeconds * 1000;
  // At most `workers` trials in flight, so a trial's clock starts when a worker takes it, not while it queues.
  const queue = [...todo];
  const runOne = async (trial: Trial) => {
    const abort = new AbortController();
    const started = performance.now();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      record((await pool.run({ trial, plugins: registry.plugins }, { signal: abort.signal })) as ResultRow);
    } catch (e) {
      if (compromised()) throw e;
      const timedOut = abort.signal.aborted;
      record(
        failedRow(
          trial,
          timedOut
            ? `timed out after ${suite.trialTimeoutSeconds} s (its worker thread was stopped)`
            : `worker crashed: ${(e as Error)?.message ?? String(e)}`,
          performance.now() - started,
          "",
          0,
          timedOut ? "Timeout" : "WorkerCrash",
        ),
      );
    } finally {
      clearTimeout(timer);
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
    wallMs: performance.now() - start,
  });
}
