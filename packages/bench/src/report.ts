import { GshException } from "@gsh/core";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import type { OkRow, ResultRow } from "./result-row";
import { readResultsFile } from "./results-file";
import type { SuiteRecord } from "./results-dir";
import {
  type CellSummary,
  type ComparisonVerdict,
  type SummaryStyle,
  LEADER_HEADER,
  compare,
  formatSummary,
  leaderRows,
  leaders,
  summarizeCells,
  table,
} from "./aggregate";
import {
  SAMPLE_EFFICIENCY_HEADER,
  sampleEfficiency,
  sampleEfficiencyExplanation,
  sampleEfficiencyRows,
} from "./sample-efficiency";
import type { Suite } from "./suite";
import { sentencesHtml, sentencesMarkdown } from "./report-text";
import {
  calibrationCharts,
  calibrationHtml,
  klEstimatorCharts,
  overOptimizationCharts,
  trainingPathCharts,
} from "./report-diagnostics";

/** Flat CSV of every row (one line per trial). */
export function resultsCsv(rows: readonly ResultRow[]): string {
  const header = [
    "trialId",
    "suite",
    "environment",
    "environmentId",
    "environmentVersion",
    "algorithm",
    "algorithmName",
    "budget",
    "seed",
    "status",
    "subopt",
    "objective",
    "trueReward",
    "klToReference",
    "queries",
    "candidatesSampled",
    "rewardModelCalls",
    "gradientSteps",
    "confidenceRadius",
    "confidenceHeld",
    "boundRhs",
    "estimated",
    "samplesPerPrompt",
    "suboptCi95",
    "winRateVsReference",
    "winRateVsReferenceMode",
    "wallMs",
    "gshVersion",
    "error",
  ];
  const body = rows.map((r) => {
    const m = r.status === "ok" ? r.metrics : undefined;
    return [
      r.trialId,
      r.suite,
      r.environment,
      r.environmentId,
      r.environmentVersion,
      r.algorithm,
      r.algorithmName,
      r.budget,
      r.seed,
      r.status,
      m?.subopt,
      m?.objective,
      m?.trueReward,
      m?.klToReference,
      m?.queries,
      m?.candidatesSampled,
      m?.rewardModelCalls,
      m?.gradientSteps,
      m?.confidenceRadius,
      m?.confidenceHeld,
      m?.boundRhs,
      m?.estimated ?? false,
      m?.samplesPerPrompt ?? 0,
      m?.ci95?.subopt,
      m?.winRateVsReference,
      m?.winRateVsReferenceMode,
      r.wallMs.toFixed(1),
      r.gshVersion,
      r.status === "failed" ? r.error : "",
    ];
  });
  return stringify([header, ...body]);
}

export type VegaLiteSpec = Record<string, unknown>;

/** Renders a Vega-Lite spec to an SVG string in Node (vega's headless renderer; no browser, no network). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The report's charts as Vega-Lite specs: SubOpt vs queries (log-log, 95% bands), the reward-vs-KL frontier, traces. */
export function chartSpecs(
  cells: readonly CellSummary[],
  rows: readonly ResultRow[],
): { title: string; spec: VegaLiteSpec }[] {
  const out: { title: string; spec: VegaLiteSpec }[] = [];
  const envs = [...new Set(cells.map((c) => c.environment))];
  for (const env of envs) {
    const data = cells
      .filter((c) => c.environment === env && c.ok > 0 && c.subopt.mean > 0)
      .map((c) => {
        const mean = c.subopt.mean;
        const half = Number.isNaN(c.subopt.ci95) ? 0 : c.subopt.ci95;
        return {
          algorithm: c.algorithm,
          queries: c.queries.mean || c.budget,
          subopt: mean,
          lo: Math.max(mean - half, mean / 100),
          hi: mean + half,
        };
      });
    if (data.length === 0) continue;
    out.push({
      title: `SubOpt vs queries — ${env}`,
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        width: 420,
        height: 260,
        data: { values: data },
        encoding: {
          x: { field: "queries", type: "quantitative", scale: { type: "log" }, title: "preference queries" },
          color: { field: "algorithm", type: "nominal" },
        },
        layer: [
          {
            mark: { type: "area", opacity: 0.18 },
            encoding: {
              y: { field: "lo", type: "quantitative", scale: { type: "log" }, title: "SubOpt = η·E KL(π‖π*)" },
              y2: { field: "hi" },
            },
          },
          {
            mark: { type: "line", point: true },
            encoding: { y: { field: "subopt", type: "quantitative", scale: { type: "log" } } },
          },
        ],
      },
    });
    const frontier = cells
      .filter((c) => c.environment === env && c.ok > 0)
      .map((c) => ({ algorithm: c.algorithm, budget: c.budget, kl: c.klToReference.mean, reward: c.trueReward.mean }));
    out.push({
      title: `True reward vs KL to π0 — ${env}`,
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        width: 420,
        height: 260,
        data: { values: frontier },
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          x: { field: "kl", type: "quantitative", title: "E KL(π‖π0) (true)" },
          y: { field: "reward", type: "quantitative", title: "E r*(x, π) (true)", scale: { zero: false } },
          color: { field: "algorithm", type: "nominal" },
          tooltip: [{ field: "algorithm" }, { field: "budget" }],
        },
      },
    });
    out.push(
      ...klEstimatorCharts(rows, env),
      ...overOptimizationCharts(rows, env),
      ...trainingPathCharts(rows, env),
      ...calibrationCharts(rows, env),
    );
    const traced = rows.filter(
      (r): r is OkRow => r.environment === env && r.status === "ok" && r.trace !== undefined && r.trace.length > 1,
    );
    if (traced.length) {
      const maxBudget = Math.max(...traced.map((r) => r.budget));
      const acc = new Map<string, { algorithm: string; queries: number; sum: number; n: number }>();
      for (const r of traced.filter((t) => t.budget === maxBudget))
        for (const p of r.trace!.filter((q) => q.subopt !== null)) {
          const k = `${r.algorithm}\u0000${p.queries}`;
          const a = acc.get(k) ?? { algorithm: r.algorithm, queries: p.queries, sum: 0, n: 0 };
          a.sum += p.subopt!;
          a.n++;
          acc.set(k, a);
        }
      const values = [...acc.values()]
        .map((a) => ({ algorithm: a.algorithm, queries: a.queries, subopt: a.sum / a.n }))
        .filter((v) => v.subopt > 0);
      out.push({
        title: `Per-iteration SubOpt of the main agent (budget ${maxBudget}) — ${env}`,
        spec: {
          $schema: "https://vega.github.io/schema/vega-lite/v6.json",
          width: 420,
          height: 260,
          data: { values },
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "queries", type: "quantitative", title: "queries so far" },
            y: { field: "subopt", type: "quantitative", scale: { type: "log" }, title: "SubOpt of π¹_t" },
            color: { field: "algorithm", type: "nominal" },
          },
        },
      });
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function htmlTable(header: string[], body: (string | number)[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** A self-contained HTML report: tables, inline SVG charts and the aggregated data as JSON. No network needed. */
export async function reportHtml(
  suite: Pick<Suite, "name" | "description"> & Partial<Pick<Suite, "sampleEfficiency">>,
  cells: readonly CellSummary[],
  verdicts: readonly ComparisonVerdict[],
  rows: readonly ResultRow[],
): Promise<string> {
  const charts = chartSpecs(cells, rows);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const ci = (m: CellSummary["subopt"], d = 4) =>
    Number.isNaN(m.mean) ? "—" : `${m.mean.toFixed(d)} ± ${Number.isNaN(m.ci95) ? "—" : m.ci95.toFixed(d)}`;
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
  const leadersHtml = leaderList.length
    ? `<h2>Leaders</h2><p>${esc(LEADERS_EXPLANATION)}</p>${htmlTable(LEADER_HEADER, leaderRows(leaderList))}`
    : "";
  const data = JSON.stringify({ suite: suite.name, cells, verdicts }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gsh report: ${esc(suite.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}table.text td.sentences{text-align:left}table.text ol{margin:0;padding-left:1.4em}.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart h3{font-size:14px;margin:.5em 0}</style>
</head><body>
<h1>gsh benchmark: ${esc(suite.name)}</h1>
<p>${esc(suite.description)}</p>
<p>Every number is exact, computed from the truth at the environment boundary: SubOpt = J(π*) − J(π) = η·E KL(π‖π*). Means ± 95% Student-t intervals over seeds.</p>
${leadersHtml}
<h2>Comparisons</h2>${verdictTable}
${sampleEfficiencyHtml(rows, suite.sampleEfficiency)}
<h2>Summary</h2>${summary}
${sentencesHtml(rows, esc, [...new Set(cells.map((c) => c.algorithm))])}
${calibrationHtml(rows, [...new Set(cells.map((c) => c.environment))], esc)}
${
  failures.length
    ? `<h2>Failed trials (${failures.length})</h2>${htmlTable(
        ["trial", "error"],
        failures.map((f) => [f.trialId, f.error ?? ""]),
      )}`
    : ""
}
<h2>Charts</h2><div class="charts">
${charts.map((c, i) => `<div class="chart" data-chart="${i}"><h3>${esc(c.title)}</h3>${svgs[i]}</div>`).join("\n")}
</div>
<script type="application/json" id="gsh-data">${data}</script>
</body></html>
`;
}

const LEADERS_EXPLANATION =
  "Per environment and budget: the algorithm of lowest mean SubOpt, and the algorithms it does not beat by the comparisons' rule (paired by seed: mean gain > 2 SE and ≥ 10%).";

/** "Who leads where" as text or Markdown for summary.txt / summary.md. */
function leadersText(rows: readonly ResultRow[], cells: readonly CellSummary[], style: SummaryStyle): string[] {
  const list = leaders(rows, cells);
  if (!list.length) return [];
  const heading = "Leaders";
  return [
    "",
    style === "markdown" ? `## ${heading}` : `${heading}:`,
    "",
    LEADERS_EXPLANATION,
    "",
    table(LEADER_HEADER, leaderRows(list), style),
  ];
}

/** The sample-efficiency section (suites that declare `sampleEfficiency`), or "". */
function sampleEfficiencyHtml(rows: readonly ResultRow[], spec: Suite["sampleEfficiency"]): string {
  if (!spec) return "";
  const results = sampleEfficiency(rows, spec);
  if (!results.length) return "";
  return `<h2>Sample efficiency</h2><p>${esc(sampleEfficiencyExplanation(spec))}</p>${htmlTable(SAMPLE_EFFICIENCY_HEADER, sampleEfficiencyRows(results, spec.baseline))}`;
}

/** The same section as text or Markdown for summary.txt / summary.md. */
function sampleEfficiencyText(
  rows: readonly ResultRow[],
  spec: Suite["sampleEfficiency"],
  style: SummaryStyle,
): string[] {
  if (!spec) return [];
  const results = sampleEfficiency(rows, spec);
  if (!results.length) return [];
  const heading = "Sample efficiency";
  return [
    "",
    style === "markdown" ? `## ${heading}` : `${heading}:`,
    "",
    sampleEfficiencyExplanation(spec),
    "",
    table(SAMPLE_EFFICIENCY_HEADER, sampleEfficiencyRows(results, spec.baseline), style),
  ];
}

export interface WrittenReport {
  readonly summary: string;
  readonly files: readonly string[];
  readonly cells: readonly CellSummary[];
  readonly verdicts: readonly ComparisonVerdict[];
}

/** "TF.js backends: wasm (120 trials)": which backend the neural trials ran on, from their rows, or null. */
export function backendsUsed(rows: readonly ResultRow[]): string | null {
  const count = new Map<string, number>();
  for (const r of rows) {
    const b = (r.diagnostics as Record<string, unknown> | undefined)?.backend;
    if (typeof b === "string") count.set(b, (count.get(b) ?? 0) + 1);
  }
  if (count.size === 0) return null;
  return `TF.js backends: ${[...count].map(([b, n]) => `${b} (${n} trials)`).join(", ")}`;
}

/** The files `writeReport` can write: results.csv, summary.txt, summary.md, report.html. */
export type ReportFormat = "csv" | "txt" | "md" | "html";
export const REPORT_FORMATS: readonly ReportFormat[] = ["csv", "txt", "md", "html"];

/**
 * Reads `<dir>/results.jsonl` (and suite.json) and writes the report files there: by default results.csv,
 * summary.txt and report.html; `formats` picks (md adds summary.md, the summary as Markdown tables).
 */
export async function writeReport(
  dir: string,
  formats: readonly ReportFormat[] = ["csv", "txt", "html"],
): Promise<WrittenReport> {
  const content = readResultsFile(join(dir, "results.jsonl"));
  if (content.duplicates.length > 0)
    throw new GshException({
      _tag: "IOError",
      path: join(dir, "results.jsonl"),
      message: `${content.duplicates.length} duplicate rows (first at line ${content.duplicates[0].line}: ${content.duplicates[0].reason}); a report would count them twice. 'gsh bench --resume' on the directory moves them aside`,
    });
  const rows = content.rows;
  const suitePath = join(dir, "suite.json");
  const suite: Pick<SuiteRecord, "name" | "description" | "comparisons" | "partial" | "shard" | "sampleEfficiency"> =
    existsSync(suitePath)
      ? JSON.parse(readFileSync(suitePath, "utf8"))
      : { name: rows[0]?.suite ?? "results", description: "", comparisons: [] };
  const labels = (list: unknown) =>
    Array.isArray(list) ? list.map((e: { label?: string; name?: string }) => e.label ?? e.name ?? "") : [];
  const full = suite as Partial<Record<"environments" | "algorithms", unknown>>;
  const cells = summarizeCells(rows, { environments: labels(full.environments), algorithms: labels(full.algorithms) });
  const verdicts = compare(rows, suite.comparisons ?? []);
  const notes: string[] = [];
  if (suite.partial)
    notes.push(`partial: ${suite.partial.have} of ${suite.partial.of} trials (merged with --allow-partial)`);
  if (suite.shard)
    notes.push(`shard ${suite.shard.index}/${suite.shard.count}: this directory holds one slice of the suite`);
  const backends = backendsUsed(rows);
  if (backends) notes.push(backends);
  if (content.corrupt.length > 0)
    notes.push(
      `${content.corrupt.length} unparsable lines skipped (first: line ${content.corrupt[0].line}); 'gsh bench --resume' moves them to results.corrupt.jsonl`,
    );
  const summary = [
    ...notes,
    ...(notes.length ? [""] : []),
    formatSummary(cells, verdicts),
    ...leadersText(rows, cells, "text"),
    ...sampleEfficiencyText(rows, suite.sampleEfficiency, "text"),
  ].join("\n");
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    files.push(f);
  };
  if (formats.includes("csv")) put("results.csv", resultsCsv(rows));
  if (formats.includes("txt")) put("summary.txt", summary + "\n");
  if (formats.includes("md"))
    put(
      "summary.md",
      [
        `# ${suite.name}`,
        ...notes.map((n) => `> ${n}`),
        "",
        formatSummary(cells, verdicts, "markdown"),
        ...leadersText(rows, cells, "markdown"),
        ...sampleEfficiencyText(rows, suite.sampleEfficiency, "markdown"),
        "",
        sentencesMarkdown(rows, [...new Set(cells.map((c) => c.algorithm))]),
      ].join("\n"),
    );
  if (formats.includes("html"))
    put(
      "report.html",
      await reportHtml({ ...suite, description: [...notes, suite.description ?? ""].join(" ") }, cells, verdicts, rows),
    );
  return { summary, files, cells, verdicts };
}
