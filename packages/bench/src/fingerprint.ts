import { createHash } from "node:crypto";
import { RESULT_SCHEMA } from "@gsh/report";
import type { Suite } from "./suite";

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

/**
 * The identity of a suite's expanded grid: environments and algorithms with every parameter after defaults (and their
 * restrictions), budgets, seeds and the result schema. Two runs can share a results directory only if their
 * fingerprints are equal; names, descriptions, comparisons and plugin paths do not enter it (they do not change a
 * row). Hex SHA-256, shortened to 16 characters in messages only.
 */
export function suiteFingerprint(
  suite: Pick<
    Suite,
    "environments" | "algorithms" | "budgets" | "seeds" | "klEstimators" | "overOptimization" | "sampleEfficiency"
  >,
): string {
  const grid = {
    resultSchema: RESULT_SCHEMA,
    environments: suite.environments.map((e) => ({ label: e.label, name: e.name, params: e.params })),
    algorithms: suite.algorithms.map((a) => ({
      label: a.label,
      name: a.name,
      params: a.params,
      environments: a.environments ?? null,
      seeds: a.seeds ?? null,
      ...(a.budgets ? { budgets: a.budgets } : {}),
      ...(a.streams ? { streams: a.streams } : {}),
    })),
    budgets: suite.budgets,
    seeds: suite.seeds,
    ...(suite.klEstimators ? { klEstimators: suite.klEstimators } : {}),
    ...(suite.overOptimization ? { overOptimization: suite.overOptimization } : {}),
    // Only whether rows record SubOpt(π0): ε, the baseline and the resamples change the summary, not a row.
    ...(suite.sampleEfficiency ? { referenceSubopt: true } : {}),
  };
  return createHash("sha256").update(canonicalJson(grid)).digest("hex");
}

export const shortFingerprint = (f: string | undefined | null) => (f ? f.slice(0, 16) : "(none)");
