import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { codeChanges } from "./code-identity";
import { FINGERPRINT_SCHEMA, gridFingerprint, shortFingerprint, suiteFingerprint } from "./fingerprint";
import { RESULT_SCHEMA, type ReportSuite, type ResultRow, readResultsFile } from "@gsh/report";
import { writeResults } from "./results-file";
import type { Suite } from "./suite";
import { expandTrials, shardTrials } from "./trial";
import { LOCK_NAME } from "./dir-lock";

/**
 * What suite.json holds: the resolved suite (with the code that ran it), its fingerprint and the fingerprint's
 * schema, the row schema, and the shard or partial-merge state (in the shapes the report reads them, @gsh/report's
 * `ReportSuite`).
 */
export interface SuiteRecord extends Suite, Pick<ReportSuite, "shard" | "partial" | "machine"> {
  readonly fingerprint?: string;
  /** `FINGERPRINT_SCHEMA` of the gsh that wrote it (absent: 1, before the code entered the fingerprint). */
  readonly fingerprintSchema?: number;
  readonly resultSchema?: string;
}

export const suiteRecordPath = (dir: string) => join(dir, "suite.json");

const ioError = (path: string, message: string): E.Either<GshError, never> =>
  E.left({ _tag: "IOError", path, message });

export function readSuiteRecord(dir: string): E.Either<GshError, SuiteRecord> {
  const path = suiteRecordPath(dir);
  if (!existsSync(path)) return ioError(path, "no suite.json (not a gsh results directory)");
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return ioError(path, `unreadable (${err.code ?? err.message.slice(0, 80)}): truncated or edited by hand?`);
  }
  const r = value as Partial<SuiteRecord> | null;
  if (
    !r ||
    typeof r !== "object" ||
    !Array.isArray(r.environments) ||
    !Array.isArray(r.algorithms) ||
    !Array.isArray(r.seeds) ||
    !Array.isArray(r.budgets)
  )
    return ioError(path, "is not a suite record (no environments, algorithms, seeds or budgets)");
  return E.right(value as SuiteRecord);
}

export function writeSuiteRecord(dir: string, record: SuiteRecord): void {
  writeFileSync(suiteRecordPath(dir), JSON.stringify({ ...record, fingerprintSchema: FINGERPRINT_SCHEMA }, null, 2));
}

/**
 * Why a directory's suite.json is not the suite `suite` (fingerprint `fingerprint`), in words, or null when it is:
 * written before the fingerprint covered the code, another grid, or the same grid run by other code.
 */
export function suiteMismatch(record: SuiteRecord, suite: Suite, fingerprint: string): string | null {
  if (record.fingerprintSchema !== FINGERPRINT_SCHEMA)
    return `was written by an older gsh (fingerprint schema ${record.fingerprintSchema ?? 1}, this gsh writes ${FINGERPRINT_SCHEMA}), whose fingerprint did not cover the code: finish it with that version, or use another --out`;
  if (record.fingerprint === fingerprint) return null;
  const both = `fingerprint ${shortFingerprint(record.fingerprint)}; this one is ${shortFingerprint(fingerprint)}`;
  if (gridFingerprint(record) !== gridFingerprint(suite))
    return `holds another suite (${both}): the grid, a parameter, a budget or the seeds differ. Use another --out`;
  return `holds rows of the same suite run by other code (${both}): the code differs (${codeChanges(record.code, suite.code).join("; ")}), and rows of two versions must not mix. Use another --out`;
}

/** What a results directory holds against what its suite.json says it should (see `resultsDirStatus`). */
export interface ResultsDirStatus {
  readonly rows: readonly ResultRow[];
  /** The trial ids its suite (and shard) expects, in grid order; null without a suite.json. */
  readonly expected: readonly string[] | null;
  /** Expected ids without a row. */
  readonly missing: readonly string[];
}

/**
 * Checks a results directory before a report: every row must belong to its suite (its fingerprint, and a trial id
 * of its grid or shard), and the trials without a row are listed. Directories without suite.json (or written
 * before fingerprints) are read as they are.
 */
export function resultsDirStatus(dir: string): E.Either<GshError, ResultsDirStatus> {
  const path = join(dir, "results.jsonl");
  const { rows } = readResultsFile(path);
  if (!existsSync(suiteRecordPath(dir))) return E.right({ rows, expected: null, missing: [] });
  const record = readSuiteRecord(dir);
  if (E.isLeft(record)) return record;
  const all = expandTrials(record.right);
  const { shard } = record.right;
  const expected = (shard ? shardTrials(all, shard.index, shard.count) : all).map((t) => t.id);
  const wanted = new Set(expected);
  const fingerprint = record.right.fingerprint;
  for (const row of rows)
    if ((fingerprint && row.suiteFingerprint && row.suiteFingerprint !== fingerprint) || !wanted.has(row.trialId))
      return ioError(
        path,
        `row '${row.trialId}' belongs to another suite (fingerprint ${shortFingerprint(row.suiteFingerprint)}, the directory's is ${shortFingerprint(fingerprint)}); a report would average it into its cell. Move it out, or report its own directory`,
      );
  const have = new Set(rows.map((r) => r.trialId));
  return E.right({ rows, expected, missing: expected.filter((id) => !have.has(id)) });
}

/** The entries of `dir` besides its lock: a directory a merge may write into has none. */
const contentsOf = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f !== LOCK_NAME) : []);

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
 * suite. With `allowPartial`, missing trials are allowed and the output records "partial: k of n trials". `outDir`
 * must be empty or absent (a merge never overwrites results), and the caller holds its lock (`lockDir`).
 */
export function mergeResultDirs(
  dirs: readonly string[],
  outDir: string,
  options: { readonly allowPartial?: boolean } = {},
): E.Either<GshError, MergeSummary> {
  if (dirs.length === 0) return E.left({ _tag: "InvalidArgument", field: "dirs", message: "nothing to merge" });
  const there = contentsOf(outDir);
  if (there.length > 0)
    return ioError(
      outDir,
      `--out ${outDir} is not empty (it holds ${there.slice(0, 3).join(", ")}${there.length > 3 ? ", …" : ""}): a merge writes only into an empty or new directory`,
    );
  const records: SuiteRecord[] = [];
  for (const d of dirs) {
    const r = readSuiteRecord(d);
    if (E.isLeft(r)) return r;
    if (!r.right.fingerprint)
      return ioError(suiteRecordPath(d), "has no suite fingerprint (written before gsh checked them): rerun it");
    if (r.right.fingerprintSchema !== FINGERPRINT_SCHEMA)
      return ioError(
        suiteRecordPath(d),
        `was written by an older gsh (fingerprint schema ${r.right.fingerprintSchema ?? 1}, this gsh merges ${FINGERPRINT_SCHEMA}): merge it with that version`,
      );
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
