import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import type { AlgorithmTrack } from "@gsh/preference";
import type { ResultRow, TrialMetrics } from "./result-row";

/** A line of results.jsonl that is not a valid row, kept with its line number (1-based) and why. */
export interface BadLine {
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

export interface ResultsContent {
  readonly rows: ResultRow[];
  /** Lines that do not parse, or are not rows (a kill mid-write leaves one at the end; an editor anywhere). */
  readonly corrupt: BadLine[];
  /** Later rows of a trial id already seen (the first one is kept). */
  readonly duplicates: BadLine[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNumberOrNull = (v: unknown) => v === null || typeof v === "number";

/**
 * Why a parsed line is not a result row every reader can use, or null: the identity fields, and per status what the
 * report reads (an ok row's metrics with SubOpt, KL and queries; a failed row's error). Checked for every schema
 * version since @1 (the fields below exist in all of them).
 */
export function invalidRowReason(v: unknown): string | null {
  if (!isObject(v)) return "not a JSON object";
  if (typeof v.trialId !== "string" || v.trialId === "") return "no trialId";
  if (v.status !== "ok" && v.status !== "failed") return `status ${JSON.stringify(v.status)} is neither ok nor failed`;
  for (const k of ["environment", "algorithm"] as const) if (typeof v[k] !== "string") return `${k} is not a string`;
  for (const k of ["budget", "seed"] as const) if (typeof v[k] !== "number") return `${k} is not a number`;
  if (v.suiteFingerprint !== undefined && typeof v.suiteFingerprint !== "string")
    return "suiteFingerprint is not a string";
  if (v.status === "failed") return typeof v.error === "string" ? null : "a failed row without its error";
  const m = v.metrics;
  if (!isObject(m)) return `metrics is ${m === null ? "null" : typeof m}, not an object`;
  if (!isNumberOrNull(m.subopt)) return "metrics.subopt is not a number or null";
  if (typeof m.klToReference !== "number") return "metrics.klToReference is not a number";
  if (typeof m.queries !== "number") return "metrics.queries is not a number";
  return null;
}

/**
 * The tracks of the built-in algorithms when rows began to record theirs (@5): rows written before carry no `track`,
 * so readers fill it from this frozen table (an algorithm it does not name is a plugin's).
 */
const LEGACY_TRACKS: Readonly<Record<string, AlgorithmTrack>> = {
  "offline-gshf": "theory",
  "online-gshf": "online",
  "hybrid-gshf": "online",
  dpo: "practical",
  "neural-dpo": "practical",
  "iterative-dpo": "practical",
  rso: "practical",
  "multi-step-rs": "practical",
  "neural-iterative-dpo": "practical",
};

/**
 * Brings an older row to the current reading: rows before @5 get the `track` their algorithm had; rows before @4
 * call the measured ‖θ̂ − θ*‖_Σ `confidenceRadius` and do not record β: renamed here so every reader sees one name
 * (their β is unknown: null).
 */
function upgradeRow(old: ResultRow): ResultRow {
  const row = old.track ? old : { ...old, track: LEGACY_TRACKS[old.algorithmName] ?? "plugin" };
  if (row.status !== "ok") return row;
  const m = row.metrics as unknown as Record<string, unknown>;
  if (!("confidenceRadius" in m) || "estimationError" in m) return row;
  const { confidenceRadius, ...rest } = m;
  const metrics = {
    ...rest,
    estimationError: confidenceRadius ?? null,
    confidenceBeta: null,
  } as unknown as TrialMetrics;
  return { ...row, metrics };
}

/** A line longer than this is reported as corrupt without being held whole (no row comes near it). */
export const MAX_LINE_BYTES = 64 * 2 ** 20;
const CHUNK_BYTES = 2 ** 20;

/**
 * Calls `onLine(text, lineNumber)` for every line of a file, read in chunks: files larger than the longest string V8
 * can hold (512 MiB) are read too. A line over `maxLineBytes` is passed as null with its length, never decoded.
 */
export function forEachLine(
  path: string,
  onLine: (text: string | null, line: number, bytes: number) => void,
  maxLineBytes = MAX_LINE_BYTES,
  chunkBytes = CHUNK_BYTES,
): void {
  const fd = openSync(path, "r");
  try {
    if (fstatSync(fd).isDirectory())
      throw Object.assign(new Error(`EISDIR: a folder, not a results file: ${path}`), { code: "EISDIR", path });
    const buf = Buffer.allocUnsafe(chunkBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let tooLong = false;
    let line = 0;
    const finish = () => {
      line++;
      onLine(tooLong ? null : Buffer.concat(pending, pendingBytes).toString("utf8"), line, pendingBytes);
      pending = [];
      pendingBytes = 0;
      tooLong = false;
    };
    for (let n = readSync(fd, buf, 0, chunkBytes, null); n > 0; n = readSync(fd, buf, 0, chunkBytes, null)) {
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl !== -1 && nl < n; nl = buf.indexOf(10, from)) {
        if (!tooLong) pending.push(Buffer.from(buf.subarray(from, nl)));
        pendingBytes += nl - from;
        if (pendingBytes > maxLineBytes) tooLong = true;
        finish();
        from = nl + 1;
      }
      pendingBytes += n - from;
      if (pendingBytes > maxLineBytes) {
        tooLong = true;
        pending = [];
      }
      if (!tooLong && from < n) pending.push(Buffer.from(buf.subarray(from, n)));
    }
    // A last line without its "\n" (a kill mid-write) is a line; a file that ends with "\n" has no empty last line.
    if (pendingBytes > 0) finish();
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every line of results.jsonl, streamed (see `forEachLine`): valid rows in file order, and every other line
 * reported with its number, wherever it is: unparsable, not a valid row (`invalidRowReason`), too long, or a later
 * row of a trial already seen. Nothing after a bad line is lost. The rows are held in memory.
 */
export function readResultsFile(path: string): ResultsContent {
  const rows: ResultRow[] = [];
  const corrupt: BadLine[] = [];
  const duplicates: BadLine[] = [];
  if (!existsSync(path)) return { rows, corrupt, duplicates };
  const seen = new Set<string>();
  forEachLine(path, (text, line, bytes) => {
    if (text === null) {
      corrupt.push({ line, reason: `line of ${bytes} bytes, over the ${MAX_LINE_BYTES}-byte limit`, text: "" });
      return;
    }
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      corrupt.push({ line, reason: `not JSON (${(e as Error).message.slice(0, 80)})`, text });
      return;
    }
    const invalid = invalidRowReason(value);
    if (invalid !== null) {
      corrupt.push({ line, reason: `not a valid result row: ${invalid}`, text });
      return;
    }
    const row = value as ResultRow;
    if (seen.has(row.trialId)) {
      duplicates.push({ line, reason: `duplicate of trial '${row.trialId}'`, text });
      return;
    }
    seen.add(row.trialId);
    rows.push(upgradeRow(row));
  });
  return { rows, corrupt, duplicates };
}

/** The valid rows of results.jsonl (bad lines skipped; see `readResultsFile` for them). */
export function readResults(path: string): ResultRow[] {
  return readResultsFile(path).rows;
}
