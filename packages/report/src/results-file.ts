import { existsSync, readFileSync } from "node:fs";
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

const isRow = (v: unknown): v is ResultRow =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as ResultRow).trialId === "string" &&
  ((v as ResultRow).status === "ok" || (v as ResultRow).status === "failed");

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
