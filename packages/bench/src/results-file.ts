import { appendFileSync, existsSync, readFileSync, truncateSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ResultRow } from "./result-row";

/**
 * Reads results.jsonl. A last line without its newline, or one that does not parse, is what a kill mid-write
 * leaves: with `repair` it is cut off the file (the trial reruns on --resume); without, it is skipped.
 */
export function readResults(path: string, repair = false): ResultRow[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const rows: ResultRow[] = [];
  let offset = 0;
  let goodEnd = 0;
  while (offset < text.length) {
    const nl = text.indexOf("\n", offset);
    if (nl === -1) break; // torn tail
    const line = text.slice(offset, nl);
    if (line.trim() !== "") {
      try {
        rows.push(JSON.parse(line) as ResultRow);
      } catch {
        break; // torn or corrupt: stop here, everything before is intact
      }
    }
    offset = nl + 1;
    goodEnd = offset;
  }
  if (repair && goodEnd < Buffer.byteLength(text)) truncateSync(path, Buffer.byteLength(text.slice(0, goodEnd)));
  return rows;
}

/** Appends one row as one line; a single synchronous write per finished trial. */
export function appendResult(path: string, row: ResultRow): void {
  appendFileSync(path, JSON.stringify(row) + "\n");
}

/** Merges shard outputs: every trial once (the first occurrence wins), in the order given. */
export function mergeResults(inputs: readonly string[], output: string): { rows: number; duplicates: number } {
  const seen = new Set<string>();
  const out: ResultRow[] = [];
  let duplicates = 0;
  for (const p of inputs) {
    for (const r of readResults(p)) {
      if (seen.has(r.trialId)) {
        duplicates++;
        continue;
      }
      seen.add(r.trialId);
      out.push(r);
    }
  }
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, out.map((r) => JSON.stringify(r)).join("\n") + (out.length ? "\n" : ""));
  return { rows: out.length, duplicates };
}
