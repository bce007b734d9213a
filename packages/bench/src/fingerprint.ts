import { createHash } from "node:crypto";
import { RESULT_SCHEMA } from "@gsh/report";
import type { CodeIdentity } from "./code-identity";
import type { Suite } from "./suite";

/**
 * The fingerprint's own version, stored in suite.json beside it. 2: the code enters it (gsh version, git commit
 * and dirty flag, plugin contents) and entries are sorted (their order changes no trial). Directories written with
 * another version are refused with that reason.
 */
export const FINGERPRINT_SCHEMA = 2;

/** JSON with object keys sorted at every depth, so equal values always serialize to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const byLabel = <T extends { label: string }>(xs: readonly T[]) =>
  [...xs].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
const ascending = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

export type FingerprintedSuite = Pick<
  Suite,
  | "environments"
  | "algorithms"
  | "budgets"
  | "seeds"
  | "klEstimators"
  | "overOptimization"
  | "coverage"
  | "sampleEfficiency"
> & { readonly code?: CodeIdentity };

/** The grid alone: what trials exist and what each computes (entries, parameters, budgets, seeds, diagnostics). */
function grid(suite: FingerprintedSuite) {
  return {
    resultSchema: RESULT_SCHEMA,
    environments: byLabel(suite.environments).map((e) => ({ label: e.label, name: e.name, params: e.params })),
    algorithms: byLabel(suite.algorithms).map((a) => ({
      label: a.label,
      name: a.name,
      params: a.params,
      environments: a.environments ? [...a.environments].sort() : null,
      seeds: a.seeds ?? null,
      ...(a.budgets ? { budgets: ascending(a.budgets) } : {}),
      ...(a.streams ? { streams: a.streams } : {}),
    })),
    budgets: ascending(suite.budgets),
    seeds: ascending(suite.seeds),
    ...(suite.klEstimators ? { klEstimators: suite.klEstimators } : {}),
    ...(suite.overOptimization ? { overOptimization: suite.overOptimization } : {}),
    ...(suite.coverage ? { coverage: true } : {}),
    // Every row records SubOpt(π0) now; the entry stays so that directories written before keep their fingerprint
    // (ε, the baseline and the resamples change the summary, not a row).
    ...(suite.sampleEfficiency ? { referenceSubopt: true } : {}),
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The identity of a suite's expanded grid and of the code that runs it: environments and algorithms with every
 * parameter after defaults (and their restrictions), budgets, seeds, the result schema, and the suite's `code`
 * (gsh version, commit, dirty flag, plugin contents). Independent of the order of entries, seeds and budgets. Two
 * runs can share a results directory only if their fingerprints are equal; names, descriptions, comparisons and
 * plugin paths do not enter it (they do not change a row). Hex SHA-256, shortened to 16 characters in messages only.
 */
export function suiteFingerprint(suite: FingerprintedSuite): string {
  return sha256(canonicalJson({ fingerprintSchema: FINGERPRINT_SCHEMA, grid: grid(suite), code: suite.code ?? null }));
}

/** The grid's part of the fingerprint alone (to tell a changed grid from changed code in messages). */
export const gridFingerprint = (suite: FingerprintedSuite) => sha256(canonicalJson(grid(suite)));

export const shortFingerprint = (f: string | undefined | null) => (f ? f.slice(0, 16) : "(none)");
