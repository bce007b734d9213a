import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { shortFingerprint, suiteFingerprint } from "./fingerprint";
import { RESULT_SCHEMA, type ReportSuite, type ResultRow, readResultsFile } from "@gsh/report";
import { writeResults } from "./results-file";
import type { Suite } from "./suite";
import { expandTrials } from "./trial";

/**
 * What suite.json holds: the resolved suite, its fingerprint and schema, and the shard or partial-merge state (in the
 * shapes the report reads them, @gsh/report's `ReportSuite`).
 */
export interface SuiteRecord extends Suite, Pick<ReportSuite, "shard" | "partial"> {
  readonly fingerprint?: string;
  readonly resultSchema?: string;
}

export const suiteRecordPath = (dir: string) => join(dir, "suite.json");

export function readSuiteRecord(dir: string): E.Either<GshError, SuiteRecord> {
  const path = suiteRecordPath(dir);
  if (!existsSync(path))
    return E.left({ _tag: "IOError", path, message: "no suite.json (not a gsh results directory)" });
  try {
    return E.right(JSON.parse(readFileSync(path, "utf8")) as SuiteRecord);
  } catch (e) {
    return E.left({ _tag: "IOError", path, message: `unreadable: ${(e as Error).message}` });
  }
}

export function writeSuiteRecord(dir: string, record: SuiteRecord): void {
  writeFileSync(suiteRecordPath(dir), JSON.stringify(record, null, 2));
}

const ioError = (path: string, message: string): E.Either<GshError, never> =>
  E.left({ _tag: "IOError", path, message });

export interface MergeSummary {
  readonly rows: number;
  readonly expected: number;
  readonly missing: readonly string[];
  readonly partial: boolean;
  readonly fingerprint: string;
}

/**
 * Merges shard directories into `outDir`, strictly: every input must come from the same suite (equal fingerprints in
 * suite.json and in every row), hold no corrupt line and no trial twice, and together cover every trial of the
 * suite. With `allowPartial`, missing trials are allowed and the output records "partial: k of n trials".
 */
export function mergeResultDirs(
  dirs: readonly string[],
  outDir: string,
  options: { readonly allowPartial?: boolean } = {},
): E.Either<GshError, MergeSummary> {
  if (dirs.length === 0) return E.left({ _tag: "InvalidArgument", field: "dirs", message: "nothing to merge" });
  const records: SuiteRecord[] = [];
  for (const d of dirs) {
    const r = readSuiteRecord(d);
    if (E.isLeft(r)) return r;
    if (!r.right.fingerprint)
      return ioError(suiteRecordPath(d), "has no suite fingerprint (written before gsh checked them): rerun it");
    records.push(r.right);
  }
  const fingerprint = records[0].fingerprint!;
  for (const [i, r] of records.entries())
    if (r.fingerprint !== fingerprint)
      return ioError(
        suiteRecordPath(dirs[i]),
        `is a different suite: fingerprint ${shortFingerprint(r.fingerprint)} ≠ ${shortFingerprint(fingerprint)} of ${dirs[0]}`,
      );
  if (suiteFingerprint(records[0]) !== fingerprint)
    return ioError(suiteRecordPath(dirs[0]), "its grid does not match its own fingerprint (edited by hand?)");
  const expected = expandTrials(records[0]).map((t) => t.id);
  const wanted = new Set(expected);
  const seen = new Map<string, string>();
  const rows: ResultRow[] = [];
  for (const d of dirs) {
    const path = join(d, "results.jsonl");
    const content = readResultsFile(path);
    const bad = content.corrupt[0] ?? content.duplicates[0];
    if (bad)
      return ioError(
        `${path}:${bad.line}`,
        `${bad.reason}; run 'gsh bench --resume' on it first to move bad lines aside`,
      );
    for (const row of content.rows) {
      if (row.suiteFingerprint !== fingerprint || !wanted.has(row.trialId))
        return ioError(
          path,
          `row '${row.trialId}' belongs to another suite (fingerprint ${shortFingerprint(row.suiteFingerprint)})`,
        );
      const other = seen.get(row.trialId);
      if (other !== undefined) return ioError(path, `trial '${row.trialId}' is also in ${other}: shards overlap`);
      seen.set(row.trialId, d);
      rows.push(row);
    }
  }
  const missing = expected.filter((id) => !seen.has(id));
  if (missing.length > 0 && !options.allowPartial)
    return E.left({
      _tag: "InvalidArgument",
      field: "dirs",
      message: `missing ${missing.length} of ${expected.length} trials (e.g. '${missing[0]}'): merge every shard, or pass --allow-partial`,
    });
  const order = new Map(expected.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.trialId)! - order.get(b.trialId)!);
  writeResults(join(outDir, "results.jsonl"), rows);
  const partial = missing.length > 0 ? { have: rows.length, of: expected.length } : null;
  writeSuiteRecord(outDir, { ...records[0], resultSchema: RESULT_SCHEMA, shard: null, partial });
  return E.right({ rows: rows.length, expected: expected.length, missing, partial: partial !== null, fingerprint });
}
