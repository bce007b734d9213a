import { type CellSummary, LEADER_HEADER, type SummaryStyle, leaderRows, leaders, table } from "./aggregate";
import type { OkRow, ResultRow } from "./result-row";
import {
  SAMPLE_EFFICIENCY_HEADER,
  sampleEfficiency,
  sampleEfficiencyExplanation,
  sampleEfficiencyRows,
} from "./sample-efficiency";
import type { SampleEfficiencySpec } from "./suite-record";
import { BOUND_EXPLANATION, BOUND_HEADER, boundRows, boundSummaries } from "./theory";

export const LEADERS_EXPLANATION =
  "Per environment and budget: the algorithm of lowest mean SubOpt, and the algorithms it does not beat by the comparisons' rule (paired by seed: mean gain > 2 SE and ≥ 10%).";

/** The metrics TRL logs for DPO-style trainers, as the practical algorithms record them in their diagnostics. */
export const TRL_METRICS = [
  "rewards/chosen",
  "rewards/rejected",
  "rewards/margins",
  "rewards/accuracies",
  "objective/kl",
] as const;

export const PRACTITIONER_HEADER = [
  "environment",
  "algorithm",
  "budget",
  ...TRL_METRICS,
  "exact KL(π‖π0)",
  "exact SubOpt",
  "exact true reward",
];

/**
 * The TRL-named training metrics (means over seeds) beside the exact ones, for the cells whose rows carry them:
 * what a practitioner would have logged next to what actually happened. "objective/kl" is computed exactly here
 * (TRL estimates it from samples), so it equals the exact KL when measured against π0.
 */
export function practitionerRows(rows: readonly ResultRow[], cells: readonly CellSummary[]): string[][] {
  const out: string[][] = [];
  for (const c of cells) {
    const rs = rows.filter(
      (r): r is OkRow =>
        r.status === "ok" &&
        r.environment === c.environment &&
        r.algorithm === c.algorithm &&
        r.budget === c.budget &&
        typeof r.diagnostics?.["rewards/margins"] === "number",
    );
    if (!rs.length) continue;
    const mean = (k: string) => rs.reduce((s, r) => s + (r.diagnostics![k] as number), 0) / rs.length;
    out.push([
      c.environment,
      c.algorithm,
      String(c.budget),
      ...TRL_METRICS.map((k) => (rs.every((r) => typeof r.diagnostics![k] === "number") ? mean(k).toFixed(3) : "—")),
      c.klToReference.mean.toFixed(3),
      c.subopt.mean.toPrecision(3),
      c.trueReward.mean.toFixed(3),
    ]);
  }
  return out;
}

const section = (heading: string, explanation: string, body: string, style: SummaryStyle) => [
  "",
  style === "markdown" ? `## ${heading}` : `${heading}:`,
  "",
  ...(explanation ? [explanation, ""] : []),
  body,
];

/** The summary's sections after the cells and verdicts: leaders, sample efficiency, bounds, practitioners' metrics. */
export function summarySections(
  rows: readonly ResultRow[],
  cells: readonly CellSummary[],
  spec: SampleEfficiencySpec | undefined,
  style: SummaryStyle,
): string[] {
  const out: string[] = [];
  const lead = leaders(rows, cells);
  if (lead.length)
    out.push(...section("Leaders", LEADERS_EXPLANATION, table(LEADER_HEADER, leaderRows(lead), style), style));
  const eff = spec ? sampleEfficiency(rows, spec) : [];
  if (spec && eff.length)
    out.push(
      ...section(
        "Sample efficiency",
        sampleEfficiencyExplanation(spec),
        table(SAMPLE_EFFICIENCY_HEADER, sampleEfficiencyRows(eff, spec.baseline), style),
        style,
      ),
    );
  const bounds = boundSummaries(rows);
  if (bounds.length)
    out.push(...section("Bounds", BOUND_EXPLANATION, table(BOUND_HEADER, boundRows(bounds), style), style));
  const practitioners = practitionerRows(rows, cells);
  if (practitioners.length)
    out.push(
      ...section(
        "Practitioners' metrics (TRL names) beside the exact ones",
        "",
        table(PRACTITIONER_HEADER, practitioners, style),
        style,
      ),
    );
  return out;
}
