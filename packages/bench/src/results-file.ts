import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ResultRow, ResultsContent } from "@gsh/report";

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

/**
 * `--retry-failed`: moves the failed rows to results.retried.jsonl (appended, so every attempt is kept) and rewrites
 * results.jsonl without them; returns the rows that stay.
 */
export function setFailedRowsAside(resultsPath: string, rows: readonly ResultRow[]): ResultRow[] {
  const failed = rows.filter((r) => r.status === "failed");
  if (failed.length === 0) return [...rows];
  appendFileSync(
    join(dirname(resultsPath), "results.retried.jsonl"),
    failed.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  const kept = rows.filter((r) => r.status !== "failed");
  writeResults(resultsPath, kept);
  return kept;
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
