import type { OkRow, ResultRow } from "./result-row";

// The coverage section (suites with `coverage`, e.g. `coverage` and `beyond-dpo`): per environment and budget, how the
// offline data cover π* (max π*/μ, 1 + χ²(π*‖μ), π*'s mass on responses no record touched), and per algorithm its
// exact SubOpt beside the mass its policy put on untouched responses, net of π0's (what training moved there).

const isCovered = (r: ResultRow): r is OkRow & { coverage: NonNullable<OkRow["coverage"]> } =>
  r.status === "ok" && !!r.coverage;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (v: number) =>
  !Number.isFinite(v) ? (v > 0 ? "∞" : "—") : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(4);

/** One row of the coverage table: an (environment, budget, algorithm) cell, means over seeds. */
export interface CoverageCell {
  readonly environment: string;
  readonly budget: number;
  readonly algorithm: string;
  readonly seeds: number;
  readonly subopt: number;
  readonly optimalMaxRatio: number;
  readonly optimalChi2: number;
  readonly optimalUnseen: number;
  readonly policyUnseen: number;
  /** The policy's unseen mass minus π0's: the mass training moved onto responses no record touched. */
  readonly movedUnseen: number;
  readonly policyMaxRatio: number;
}

/** The cells of every row that carries coverage diagnostics, in the rows' order of first appearance. */
export function coverageCells(rows: readonly ResultRow[]): CoverageCell[] {
  const groups = new Map<string, (OkRow & { coverage: NonNullable<OkRow["coverage"]> })[]>();
  for (const r of rows.filter(isCovered)) {
    const key = `${r.environment}\u0000${r.budget}\u0000${r.algorithm}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const c = (f: (r: (typeof g)[number]) => number) => mean(g.map(f));
    return {
      environment: g[0].environment,
      budget: g[0].budget,
      algorithm: g[0].algorithm,
      seeds: g.length,
      subopt: c((r) => r.metrics.subopt ?? NaN),
      optimalMaxRatio: c((r) => r.coverage.optimal.maxDensityRatio),
      optimalChi2: c((r) => r.coverage.optimal.chi2Coverage),
      optimalUnseen: c((r) => r.coverage.optimal.unseenMass),
      policyUnseen: c((r) => r.coverage.policy.unseenMass),
      movedUnseen: c((r) => r.coverage.policy.unseenMass - r.coverage.referenceUnseenMass),
      policyMaxRatio: c((r) => r.coverage.policy.maxDensityRatio),
    };
  });
}

export const COVERAGE_HEADER = [
  "environment",
  "budget",
  "algorithm",
  "seeds",
  "SubOpt",
  "π* unseen",
  "max π*/μ",
  "1+χ²(π*‖μ)",
  "π unseen",
  "moved there",
  "max π/μ",
] as const;

/** The table body, one line per cell. */
export const coverageRows = (cells: readonly CoverageCell[]) =>
  cells.map((c) => [
    c.environment,
    c.budget,
    c.algorithm,
    c.seeds,
    fmt(c.subopt),
    fmt(c.optimalUnseen),
    fmt(c.optimalMaxRatio),
    fmt(c.optimalChi2),
    fmt(c.policyUnseen),
    fmt(c.movedUnseen),
    fmt(c.policyMaxRatio),
  ]);

/** The report's coverage section, folded; empty when no row carries coverage diagnostics. */
export function coverageHtml(
  rows: readonly ResultRow[],
  table: (header: readonly string[], body: readonly (readonly (string | number)[])[]) => string,
  esc: (s: string) => string,
): string {
  const cells = coverageCells(rows);
  if (!cells.length) return "";
  return `<details><summary><h2>Coverage of π* by the offline data</h2></summary>
<p class="note">${esc(
    "Per environment, budget and algorithm (means over seeds, exact): SubOpt; π*'s mass on responses that appear in no record of their prompt; the largest density ratio π*/μ and 1 + χ²(π*‖μ) against the data's sampling distribution μ (π0 here: the same for every algorithm of a cell); the trained policy's mass on untouched responses, and that mass minus π0's (what training moved there); the policy's largest ratio π/μ.",
  )}</p>
${table(COVERAGE_HEADER, coverageRows(cells))}
</details>`;
}
