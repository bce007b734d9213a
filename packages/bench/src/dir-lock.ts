import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";

/**
 * One writer per results directory: a lock folder `.gsh.lock` (mkdir is atomic, NFS included) holding its owner's
 * random token and a heartbeat counter that a dedicated thread rewrites every `BEAT_MS`, whatever the main thread is
 * doing (expanding a 5·10⁶-trial grid, a long synchronous write). A lock is live while its heartbeat changes; one
 * whose heartbeat did not change for `STALE_MS` of this process's own observation is taken over. No clock is
 * compared with another machine's or with a file's mtime, so clock skew cannot make a live lock look stale. On NFS
 * this relies on close-to-open consistency (the default; mounts with `nocto` or long attribute caches on the file's
 * data are not supported), and the takeover of a stale lock is atomic (rename) but not fenced: a process frozen for
 * longer than STALE_MS (SIGSTOP, a suspended VM) loses its lock and stops writing when it wakes (`compromised`).
 */
export const BEAT_MS = 500;
export const STALE_MS = 4000;

export interface DirLock {
  /** Non-null once another process took the lock (this one went stale): stop writing. */
  readonly compromised: () => Error | null;
  readonly release: () => Promise<void>;
}

/** The lock folder's name inside a results directory. */
export const LOCK_NAME = ".gsh.lock";
const lockPathOf = (dir: string) => join(dir, LOCK_NAME);

/** What an observer compares over time: the owner's token and its heartbeat (absent files read as ""). */
function lockState(lockPath: string): string {
  const read = (f: string) => {
    try {
      return readFileSync(join(lockPath, f), "utf8");
    } catch {
      return "";
    }
  };
  return `${read("owner.json")}\n${read("heartbeat")}`;
}

// The heartbeat thread: rewrites the counter while the lock folder still holds our token; flags a takeover.
const HEARTBEAT = `
const { workerData, parentPort } = require("node:worker_threads");
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { lockPath, token, beatMs, flag } = workerData;
const lost = new Int32Array(flag);
let beat = 0;
const timer = setInterval(() => {
  let owner = "";
  try { owner = JSON.parse(readFileSync(join(lockPath, "owner.json"), "utf8")).token; } catch {}
  if (owner !== token) { Atomics.store(lost, 0, 1); clearInterval(timer); return; }
  try { writeFileSync(join(lockPath, "heartbeat"), String(++beat)); } catch {}
}, beatMs);
parentPort.on("message", () => { clearInterval(timer); parentPort.close(); });
`;

function take(lockPath: string): DirLock {
  const token = randomUUID();
  writeFileSync(
    join(lockPath, "owner.json"),
    JSON.stringify({ token, pid: process.pid, host: hostname(), since: new Date().toISOString() }),
  );
  writeFileSync(join(lockPath, "heartbeat"), "0");
  const flag = new SharedArrayBuffer(4);
  const lost = new Int32Array(flag);
  const worker = new Worker(HEARTBEAT, { eval: true, workerData: { lockPath, token, beatMs: BEAT_MS, flag } });
  worker.unref();
  const compromised = () =>
    Atomics.load(lost, 0) === 1 ? new Error("another process took this directory's lock (ours went stale)") : null;
  return {
    compromised,
    release: async () => {
      worker.postMessage("stop");
      await worker.terminate().catch(() => undefined);
      if (compromised()) return;
      try {
        const owner = JSON.parse(readFileSync(join(lockPath, "owner.json"), "utf8")) as { token?: string };
        if (owner.token === token) rmSync(lockPath, { recursive: true, force: true });
      } catch {
        // already gone
      }
    },
  };
}

const locked = (dir: string): E.Either<GshError, never> =>
  E.left({
    _tag: "IOError",
    path: dir,
    message:
      "another gsh process is writing to this directory (its lock is being refreshed); wait for it to finish, or choose another --out",
  });

/**
 * Takes `dir`'s lock (the folder must exist): at once when free; refused as soon as its heartbeat is seen to change
 * (a live owner); taken over when it did not change for STALE_MS (a killed owner, or a lock from an older gsh).
 */
export async function lockDir(dir: string): Promise<E.Either<GshError, DirLock>> {
  const lockPath = lockPathOf(dir);
  const tryTake = (): E.Either<NodeJS.ErrnoException, DirLock> => {
    try {
      mkdirSync(lockPath);
    } catch (e) {
      return E.left(e as NodeJS.ErrnoException);
    }
    return E.right(take(lockPath));
  };
  const first = tryTake();
  if (E.isRight(first)) return first;
  if (first.left.code !== "EEXIST")
    return E.left({
      _tag: "IOError",
      path: dir,
      message: `cannot lock the directory: ${first.left.code ?? first.left.message}`,
    });
  const seen = lockState(lockPath);
  for (let waited = 0; waited < STALE_MS; waited += BEAT_MS / 2) {
    await new Promise((r) => setTimeout(r, BEAT_MS / 2));
    if (lockState(lockPath) !== seen) return locked(dir);
  }
  // Stale: move it aside atomically (of two observers, one rename wins), then take a fresh one.
  const aside = `${lockPath}.stale-${randomUUID()}`;
  try {
    // Another observer may have taken it over meanwhile: then its state changed, and it is live.
    if (lockState(lockPath) !== seen) return locked(dir);
    renameSync(lockPath, aside);
    rmSync(aside, { recursive: true, force: true });
  } catch {
    return locked(dir);
  }
  const second = tryTake();
  return E.isRight(second) ? second : locked(dir);
}

/** Runs `fn` holding `dir`'s lock (created if absent); refused like `lockDir`. */
export async function withDirLock<T>(
  dir: string,
  fn: (lock: DirLock) => Promise<E.Either<GshError, T>>,
): Promise<E.Either<GshError, T>> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return E.left({ _tag: "IOError", path: dir, message: `cannot create the directory: ${err.code ?? err.message}` });
  }
  const lock = await lockDir(dir);
  if (E.isLeft(lock)) return lock;
  try {
    return await fn(lock.right);
  } finally {
    await lock.right.release();
  }
}
