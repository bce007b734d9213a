import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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

const isRow = (v: unknown): v is ResultRow =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as ResultRow).trialId === "string" &&
  ((v as ResultRow).status === "ok" || (v as ResultRow).status === "failed");

/**
 * Rows written before @4 call the measured ‖θ̂ − θ*‖_Σ `confidenceRadius` and do not record β: renamed here so every
 * reader sees one name (their β is unknown: null).
 */
function upgradeRow(row: ResultRow): ResultRow {
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

/**
 * Reads every line of results.jsonl: valid rows in file order, and every other line reported with its number,
 * wherever it is. Nothing after a bad line is lost.
 */
export function readResultsFile(path: string): ResultsContent {
  const rows: ResultRow[] = [];
  const corrupt: BadLine[] = [];
  const duplicates: BadLine[] = [];
  if (!existsSync(path)) return { rows, corrupt, duplicates };
  const seen = new Set<string>();
  const lines = readFileSync(path, "utf8").split("\n");
  // A file that ends with "\n" splits into a last empty string: not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      corrupt.push({ line: i + 1, reason: `not JSON (${(e as Error).message.slice(0, 80)})`, text });
      return;
    }
    if (!isRow(value)) {
      corrupt.push({ line: i + 1, reason: "not a result row (no trialId/status)", text });
      return;
    }
    if (seen.has(value.trialId)) {
      duplicates.push({ line: i + 1, reason: `duplicate of trial '${value.trialId}'`, text });
      return;
    }
    seen.add(value.trialId);
    rows.push(upgradeRow(value));
  });
  return { rows, corrupt, duplicates };
}

/** The valid rows of results.jsonl (bad lines skipped; see `readResultsFile` for them). */
export function readResults(path: string): ResultRow[] {
  return readResultsFile(path).rows;
}

/** Where bad lines go: beside results.jsonl, appended, each with its original line number and reason. */
export const corruptPath = (resultsPath: string) => join(dirname(resultsPath), "results.corrupt.jsonl");

/**
 * Moves bad and duplicate lines out of results.jsonl into results.corrupt.jsonl and rewrites results.jsonl with the
 * valid rows only (write to a temporary file, then rename: a kill leaves either file whole).
 */
export function quarantineBadLines(resultsPath: string, content: ResultsContent): number {
  const bad = [...content.corrupt, ...content.duplicates].sort((a, b) => a.line - b.line);
  if (bad.length === 0) return 0;
  appendFileSync(
    corruptPath(resultsPath),
    bad.map((b) => JSON.stringify({ line: b.line, reason: b.reason, text: b.text })).join("\n") + "\n",
  );
  writeResults(resultsPath, content.rows);
  return bad.length;
}

/** Appends one row as one line; a single synchronous write per finished trial. */
export function appendResult(path: string, row: ResultRow): void {
  appendFileSync(path, JSON.stringify(row) + "\n");
}

/** Writes rows as results.jsonl atomically (temporary file, then rename). */
export function writeResults(path: string, rows: readonly ResultRow[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  renameSync(tmp, path);
}
