import type { CellSummary, ComparisonVerdict } from "./aggregate";
import { LEADER_HEADER, formatInterval, leaderRows, leaders } from "./aggregate";
import type { ResultRow } from "./result-row";
import {
  SAMPLE_EFFICIENCY_HEADER,
  sampleEfficiency,
  sampleEfficiencyExplanation,
  sampleEfficiencyRows,
} from "./sample-efficiency";
import type { ReportSuite } from "./suite-record";
import { diagnosticCharts, frontierChart, overviewCharts, traceCharts, trackOf } from "./charts";
import type { Chart } from "./render";
import { comparisonCharts } from "./comparison-charts";
import { calibrationHtml } from "./diagnostics";
import { algorithmStyles } from "./identity";
import { renderSvg } from "./render";
import { sentencesHtml } from "./text";
import { policyGradientHtml } from "./policy-gradient";
import { coverageHtml } from "./coverage-section";
import { BOUND_EXPLANATION, BOUND_HEADER, boundRows, boundSummaries } from "./theory";
import { LEADERS_EXPLANATION, PRACTITIONER_HEADER, practitionerRows } from "./tables";

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function htmlTable(header: readonly string[], body: readonly (readonly (string | number)[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** A collapsible section: the long tables come after the charts, folded unless `open`. */
const fold = (title: string, body: string, open = false) =>
  body ? `<details${open ? " open" : ""}><summary><h2>${esc(title)}</h2></summary>${body}</details>` : "";

export interface ReportInput {
  readonly suite: Pick<ReportSuite, "name" | "description" | "sampleEfficiency">;
  readonly cells: readonly CellSummary[];
  readonly verdicts: readonly ComparisonVerdict[];
  readonly rows: readonly ResultRow[];
  /** Algorithm labels in suite order (their identities follow it); labels only in the rows come after. */
  readonly algorithmOrder: readonly string[];
}

/** The labels identities are assigned by: the suite's order, then labels found only in the rows. */
const styleOrder = (input: ReportInput) => [
  ...new Set([...input.algorithmOrder, ...input.cells.map((c) => c.algorithm)]),
];

/** Every chart of the report, in page order: claims, then per environment overview, frontier, diagnostics, traces. */
export function reportCharts(input: ReportInput): Chart[] {
  const { cells, verdicts, rows } = input;
  const styles = algorithmStyles(styleOrder(input));
  const tracks = new Map(rows.map((r) => [r.algorithm, trackOf(r)]));
  const envs = [...new Set(cells.map((c) => c.environment))];
  return [
    ...comparisonCharts(verdicts, styles),
    ...envs.flatMap((env) => [
      ...overviewCharts(cells, env, styles, tracks),
      ...frontierChart(cells, rows, env, styles),
      ...diagnosticCharts(rows, env, styles),
      ...traceCharts(rows, env, styles),
    ]),
  ];
}

const SECTIONS: readonly { id: Chart["section"]; title: string; note: string }[] = [
  {
    id: "claims",
    title: "Claims",
    note: "One chart per declared comparison and environment: the paired gain of A over B in SubOpt, (SubOpt(B) − SubOpt(A)) / SubOpt(B), with the verdict rule's ±2 SE interval; a point is in A's colour where A wins (gain > 2 SE and ≥ 10%, the dashed line), in B's where B wins, grey where neither does.",
  },
  {
    id: "overview",
    title: "Overview",
    note: "SubOpt against the budget per environment, in small multiples by track, at most 8 algorithms per chart; each algorithm keeps its colour and marker throughout the report. Error bars: 95% t-intervals over seeds.",
  },
  {
    id: "frontier",
    title: "Reward–KL frontier",
    note: "Each algorithm's exact true reward against its exact KL to π0, per budget (larger points: more queries), with the exact Gibbs frontier π0·exp(r* / η') of the truth (dashed) and π* on it: no policy lies above the frontier.",
  },
  { id: "diagnostics", title: "Diagnostics", note: "" },
  { id: "traces", title: "Per-iteration traces", note: "" },
];

/** A self-contained HTML report: charts first (inline SVG), then the tables, folded; the aggregates as JSON. */
export async function reportHtml(
  input: ReportInput,
  charts: readonly Chart[] = reportCharts(input),
  rendered?: readonly string[],
): Promise<string> {
  const { suite, cells, verdicts, rows } = input;
  const svgs = rendered ?? (await Promise.all(charts.map((c) => renderSvg(c.spec))));
  const ci = formatInterval;
  const summary = htmlTable(
    [
      "environment",
      "algorithm",
      "budget",
      "SubOpt (95% CI)",
      "true reward",
      "KL to π0",
      "win rate vs π0 (non-transitive)",
      "queries",
      "ok / trials",
      "wall ms",
    ],
    cells.map((c) => [
      c.environment,
      c.algorithm,
      c.budget,
      ci(c.subopt) + (c.estimated ? " (Monte-Carlo estimate)" : ""),
      ci(c.trueReward, 3),
      ci(c.klToReference, 3),
      ci(c.winRateVsReference, 3),
      c.queries.mean.toFixed(0),
      `${c.ok}/${c.ok + c.failed}`,
      c.wallMs.mean.toFixed(0),
    ]),
  );
  const verdictTable = verdicts.length
    ? htmlTable(
        ["environment", "A", "B", "budget", "SubOpt(B) − SubOpt(A)", "gain", "A wins", "verdict"],
        verdicts.map((v) => [
          v.environment,
          v.a,
          v.b,
          v.budget,
          `${v.meanDifference.toFixed(4)} ± ${v.stderr.toFixed(4)}`,
          `${(100 * v.relativeGain).toFixed(0)}%`,
          `${v.wins}/${v.pairs}`,
          v.verdict,
        ]),
      )
    : "<p>No comparisons declared.</p>";
  const failures = rows.filter((r) => r.status === "failed");
  const leaderList = leaders(rows, cells);
  const bounds = boundSummaries(rows);
  const practitioners = practitionerRows(rows, cells);
  const spec = suite.sampleEfficiency;
  const efficiency = spec ? sampleEfficiency(rows, spec) : [];
  const sections = SECTIONS.map((s) => {
    const idx = charts.map((c, i) => (c.section === s.id ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return "";
    return `<h2>${esc(s.title)}</h2>${s.note ? `<p class="note">${esc(s.note)}</p>` : ""}<div class="charts">
${idx.map((i) => `<figure class="chart" data-chart="${i}" data-section="${s.id}" id="${charts[i].id}"><figcaption>${esc(charts[i].title)}</figcaption>${svgs[i]}</figure>`).join("\n")}
</div>`;
  }).join("\n");
  const styles = Object.fromEntries(algorithmStyles(styleOrder(input)));
  const data = JSON.stringify({ suite: suite.name, cells, verdicts, styles }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gsh report: ${esc(suite.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}table.text td.sentences{text-align:left}table.text ol{margin:0;padding-left:1.4em}.charts{display:flex;flex-wrap:wrap;gap:1.2em}.chart{margin:0}.chart figcaption{font-size:13px;font-weight:600;margin:.4em 0;max-width:440px}p.note{color:#444;font-size:14px;max-width:900px}details summary h2{display:inline}details{margin:1em 0}</style>
</head><body>
<h1>gsh benchmark: ${esc(suite.name)}</h1>
<p>${esc(suite.description ?? "")}</p>
<p>Every number is exact, computed from the truth at the environment boundary: SubOpt = J(π*) − J(π) = η·E KL(π‖π*). Means ± 95% Student-t intervals over seeds. Charts first; the tables follow, folded.</p>
${sections}
${fold("Leaders", leaderList.length ? `<p>${esc(LEADERS_EXPLANATION)}</p>${htmlTable(LEADER_HEADER, leaderRows(leaderList))}` : "", true)}
${fold("Sample efficiency", efficiency.length && spec ? `<p>${esc(sampleEfficiencyExplanation(spec))}</p>${htmlTable(SAMPLE_EFFICIENCY_HEADER, sampleEfficiencyRows(efficiency, spec.baseline))}` : "", true)}
${fold("Theory: bounds, confidence events", bounds.length ? `<p>${esc(BOUND_EXPLANATION)}</p>${htmlTable(BOUND_HEADER, boundRows(bounds))}` : "")}
${fold("Practitioners' metrics (TRL names) beside the exact ones", practitioners.length ? htmlTable(PRACTITIONER_HEADER, practitioners) : "")}
${fold("Comparisons", verdictTable)}
${fold("Summary", summary)}
${policyGradientHtml(rows, htmlTable, esc)}
${coverageHtml(rows, htmlTable, esc)}
${sentencesHtml(rows, esc, [...new Set(cells.map((c) => c.algorithm))])}
${calibrationHtml(rows, [...new Set(cells.map((c) => c.environment))], esc)}
${fold(
  `Failed trials (${failures.length})`,
  failures.length
    ? htmlTable(
        ["trial", "error"],
        failures.map((f) => [f.trialId, f.error ?? ""]),
      )
    : "",
  true,
)}
<script type="application/json" id="gsh-data">${data}</script>
</body></html>
`;
}
