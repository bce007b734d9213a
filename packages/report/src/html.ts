import type { CellSummary, ComparisonVerdict } from "./aggregate";
import { LEADER_HEADER, formatInterval, leaderRows, leaders } from "./aggregate";
import type { ResultRow } from "./result-row";
import {
  SAMPLE_EFFICIENCY_HEADER,
  sampleEfficiency,
  sampleEfficiencyExplanation,
  sampleEfficiencyRows,
} from "./sample-efficiency";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ReportSuite } from "./suite-record";
import { diagnosticCharts, frontierChart, overviewCharts, traceCharts, trackOf } from "./charts";
import type { Chart } from "./render";
import { comparisonCharts } from "./comparison-charts";
import { calibrationHtml } from "./diagnostics";
import { algorithmStyles } from "./identity";
import { compileSpec } from "./render";
import { claimLines, headline } from "./headline";
import { claimsHtml, headlineHtml, wrap } from "./headline-render";
import { backendsUsed } from "./backends";
import { sentencesHtml } from "./text";
import { policyGradientHtml } from "./policy-gradient";
import { coverageHtml } from "./coverage-section";
import { BOUND_EXPLANATION, BOUND_HEADER, boundRows, boundSummaries } from "./theory";
import { LEADERS_EXPLANATION, PRACTITIONER_HEADER, practitionerRows } from "./tables";

export const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function htmlTable(header: readonly string[], body: readonly (readonly (string | number)[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** A collapsible section: the long tables come after the charts, folded unless `open`. */
const fold = (title: string, body: string, open = false) =>
  body ? `<details${open ? " open" : ""}><summary><h2>${esc(title)}</h2></summary>${body}</details>` : "";

export interface ReportInput {
  readonly suite: Pick<
    ReportSuite,
    "name" | "description" | "sampleEfficiency" | "code" | "machine" | "environments" | "algorithms"
  >;
  readonly cells: readonly CellSummary[];
  readonly verdicts: readonly ComparisonVerdict[];
  readonly rows: readonly ResultRow[];
  /** Algorithm labels in suite order (tables and legends follow it); labels only in the rows come after. */
  readonly algorithmOrder: readonly string[];
  /** Lines every reader must see at the top: a partial run, a shard, skipped lines. */
  readonly notes?: readonly string[];
}

/** The labels identities are assigned to: the suite's, then labels found only in the rows. */
const styleOrder = (input: ReportInput) => [
  ...new Set([...input.algorithmOrder, ...input.cells.map((c) => c.algorithm)]),
];

/** A chart's title split into lines of at most `width` characters, for the SVG and PNG exports. */
export function titleLines(title: string, width = 88): string[] {
  return wrap(title, width).split("\n");
}

/** The chart with its title (and a note on what it shows) inside its spec, so exported SVG and PNG files carry it. */
const titled = (c: Chart): Chart => ({
  ...c,
  spec: {
    ...c.spec,
    title: { text: titleLines(c.title), anchor: "start", fontSize: 13, fontWeight: 600, offset: 10, limit: 0 },
    // ticks and legends readable at 100% zoom (Vega's defaults are 10–11 px)
    config: {
      axis: { labelFontSize: 12, titleFontSize: 12 },
      legend: { labelFontSize: 12, titleFontSize: 12 },
    },
  },
});

/** Every chart of the report, in page order: claims, then per environment overview, frontier, diagnostics, traces. */
export function reportCharts(input: ReportInput): Chart[] {
  const { cells, verdicts, rows } = input;
  const styles = algorithmStyles(styleOrder(input));
  const tracks = new Map(rows.map((r) => [r.algorithm, trackOf(r)]));
  const envs = [...new Set(cells.map((c) => c.environment))];
  return [
    ...comparisonCharts(verdicts, styles),
    ...envs.flatMap((env) => [
      ...overviewCharts(rows, env, styles, tracks),
      ...frontierChart(cells, rows, env, styles),
      ...diagnosticCharts(rows, env, styles),
      ...traceCharts(rows, env, styles),
    ]),
  ].map(titled);
}

const SECTIONS: readonly { id: Chart["section"]; title: string; note: string }[] = [
  {
    id: "claims",
    title: "Claims: forest plots",
    note: "One plot per declared comparison, a row per environment and budget: the geometric mean over paired seeds of SubOpt(A)/SubOpt(B) (the mean of the per-seed log-ratios) with its 95% t interval on n − 1 degrees of freedom, on a log axis (left of 1: A better). The interval is for display only: the colour and the text beside each row come from the verdict rule (paired SubOpt difference > 2 SE and gain ≥ 10%), so the picture changes no verdict. Where the suite declares the side the paper expects to win, a row says holds / fails / undetermined; otherwise which side wins. Values beyond ×1000 sit at the edge as triangles, printed with their value.",
  },
  {
    id: "overview",
    title: "Overview",
    note: "SubOpt against the budget per environment, in small multiples by track (all charts of one environment share the y-range), at most 8 algorithms per chart; the dotted line is SubOpt(π0): above it a policy is worse than π0. Points: geometric means over seeds; bars: 95% t intervals of log SubOpt, cut at the plot's edge where they run more than 30× beyond the means (2 or 3 seeds make them wide); n in each title. Each algorithm keeps its colour and marker in every report.",
  },
  {
    id: "frontier",
    title: "Reward–KL frontier",
    note: "Each algorithm's exact true reward against its exact KL to π0, the largest budget in full and smaller ones faded, with 95% t intervals in both (KL clamped at 0), and the exact Gibbs frontier π0·exp(r* / η') of the truth (dashed) with π* on it: no policy lies above the frontier. The axes zoom to the policies' means and π*; intervals running beyond them are cut at the edge.",
  },
  { id: "diagnostics", title: "Diagnostics", note: "" },
  {
    id: "traces",
    title: "Per-iteration traces",
    note: "The online algorithms' main agent after each round at the largest budget: geometric mean over seeds with a 95% t band.",
  },
];

/** The run's metadata for the header: version, commit, seeds, budgets, trials, date, machine, backends. */
export function runMetadata(input: ReportInput): string[] {
  const { suite, rows } = input;
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  const ok = rows.filter((r) => r.status === "ok").length;
  const versions = [...new Set(rows.map((r) => r.gshVersion))];
  const code = suite.code;
  const m = suite.machine;
  return [
    `gsh ${code?.gshVersion ?? versions.join(", ")}${code?.commit ? ` (commit ${code.commit.slice(0, 10)}${code.dirty ? ", uncommitted changes" : ""})` : ""}`,
    `${seeds.length} seed${seeds.length === 1 ? "" : "s"}${seeds.length === 1 ? " (no verdict possible)" : ""}`,
    `budgets ${budgets.join(", ")}`,
    `${ok} of ${rows.length} trials ok`,
    m
      ? `run started ${m.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")} on ${m.cpus} cores (${m.cpuModel}), ${m.platform}/${m.arch}, Node ${m.node}, ${m.workers} workers`
      : "date and machine not recorded (directory written before 2026-12-06)",
    backendsUsed(rows) ?? "no TF.js trials (f64 kernels only)",
  ];
}

/** The script that turns the static charts into live Vega views: hover values, click a legend entry to hide it. */
const INTERACTIVE_SCRIPT = String.raw`(function(){
if(!window.vega)return;
var tip=document.createElement("div");tip.id="gsh-tooltip";tip.setAttribute("role","tooltip");document.body.appendChild(tip);
function esc(s){return String(s).replace(/&/g,"&amp;").replace(/</g,"&lt;")}
function show(h,ev,item,value){if(value==null||value===""){tip.style.display="none";return}
var e=typeof value==="object"?Object.entries(value):[["",value]];
tip.innerHTML=e.map(function(kv){return "<div><b>"+esc(kv[0])+"</b> "+esc(kv[1])+"</div>"}).join("");
tip.style.display="block";tip.style.left=(ev.pageX+14)+"px";tip.style.top=(ev.pageY+14)+"px"}
var SERIES=["algorithm","outcome","kind","largest"];
function interactiveLegends(g){(g.legends||[]).forEach(function(l){l.encode=l.encode||{};["symbols","labels"].forEach(function(k){l.encode[k]=l.encode[k]||{};l.encode[k].interactive=true})});(g.marks||[]).forEach(interactiveLegends)}
document.querySelectorAll("figure.chart").forEach(function(fig){
var s=fig.querySelector("script.vg-spec");if(!s)return;
var spec=JSON.parse(s.textContent);interactiveLegends(spec);var holder=document.createElement("div");holder.className="live";
var view=new vega.View(vega.parse(spec),{renderer:"svg",container:holder,hover:true});
view.tooltip(show);
var sources=(spec.data||[]).filter(function(d){return Array.isArray(d.values)}).map(function(d){return d.name});
var hidden={};
view.addEventListener("click",function(ev,item){
if(!item||!item.mark||!/legend/.test(item.mark.role||"")||!item.datum)return;
var v=item.datum.value;if(v==null)return;
var back=hidden[v];
sources.forEach(function(n){var cs=vega.changeset();
if(back){if(back[n]&&back[n].length)view.change(n,cs.insert(back[n]))}
else{var gone=view.data(n).filter(function(t){return SERIES.some(function(f){return t[f]===v})});
hidden[v]=hidden[v]||{};hidden[v][n]=gone.map(function(t){var c={};for(var k in t)if(k!=="Symbol(vega_id)")c[k]=t[k];return c});
if(gone.length)view.change(n,cs.remove(function(t){return SERIES.some(function(f){return t[f]===v})}))}});
if(back)delete hidden[v];
fig.setAttribute("data-hidden",Object.keys(hidden).join("|"));
var note=fig.querySelector(".hidden-note");note.textContent=Object.keys(hidden).length?"hidden: "+Object.keys(hidden).join(", ")+" (click the legend entry again to show)":"";
view.runAsync()});
view.runAsync().then(function(){var st=fig.querySelector(".static");if(st)st.replaceWith(holder);fig.setAttribute("data-live","1")})
.catch(function(e){console.error("chart "+fig.id+": "+e);fig.querySelector(".static").textContent="This chart failed to draw: "+e})
});
document.addEventListener("scroll",function(){tip.style.display="none"});
})();`;

/** vega's browser build, inlined so that report.html works from a file, offline, with no server. */
function vegaRuntime(): string {
  return readFileSync(join(dirname(require.resolve("vega")), "vega.min.js"), "utf8");
}

const CSS = `body{font-family:system-ui,sans-serif;margin:0 auto;padding:.6em 1.2em;max-width:1240px;font-size:14px;color:#222}
h1{font-size:20px;margin:.2em 0}h2{font-size:17px;margin:.8em 0 .3em}
.meta{font-size:12px;color:#444;margin:.1em 0}.meta span+span:before{content:" · "}
nav.toc{font-size:12.5px;margin:.3em 0 .5em}nav.toc a{margin-right:.9em}
.warn{color:#a40000;font-weight:600;font-size:13px;margin:.2em 0}
table{border-collapse:collapse;font-size:12.5px;margin:.4em 0}td,th{border:1px solid #ccc;padding:2px 7px;text-align:right}
td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}
table.headline td,table.headline th{text-align:right;padding:2px 8px;white-space:nowrap}table.headline th[scope=row],table.headline thead th:first-child{text-align:left}
table.headline thead th{vertical-align:bottom;font-size:12px}table.headline .budget{font-weight:400;color:#555;font-size:11px}
table.headline td.best{font-weight:700;outline:2px solid #111;outline-offset:-2px}table.headline td.tie{font-weight:700}
table.claims td.holds{color:#1a7f37;font-weight:600}table.claims td.fails{color:#c62828;font-weight:600}table.claims td.undetermined{color:#666}
table.claims td,table.claims th{text-align:left;white-space:nowrap}
table.text td.sentences{text-align:left}table.text ol{margin:0;padding-left:1.4em}
.charts{display:flex;flex-wrap:wrap;gap:1em 1.4em}.chart{margin:0}.chart figcaption{position:absolute;left:-9999px}
.hidden-note{font-size:12px;color:#555;min-height:1em}
p.note{color:#444;font-size:13px;max-width:1100px;margin:.3em 0}details summary h2{display:inline}details{margin:.8em 0}
#gsh-tooltip{position:absolute;display:none;background:#fff;border:1px solid #888;padding:4px 7px;font-size:12px;pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.25);z-index:10}`;

/**
 * A self-contained HTML report: the headline and claims first, then the charts, then the tables, folded. The charts
 * are drawn in the browser by the inlined vega runtime from their compiled specs (hover values, legend toggles); the
 * static SVG and PNG files beside the report carry the same charts with their titles and legends. Inlining the SVG
 * too would double the page (the default suite's would pass 5 MB).
 */
export async function reportHtml(input: ReportInput, charts: readonly Chart[] = reportCharts(input)): Promise<string> {
  const { suite, cells, verdicts, rows } = input;
  const compiled = await Promise.all(charts.map((c) => compileSpec(c.spec)));
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
        ["environment", "A", "B", "budget", "SubOpt(B) − SubOpt(A)", "gain", "A wins", "verdict", "claim"],
        verdicts.map((v) => [
          v.environment,
          v.a,
          v.b,
          v.budget,
          `${v.meanDifference.toFixed(4)} ± ${v.stderr.toFixed(4)}`,
          `${(100 * v.relativeGain).toFixed(0)}%`,
          `${v.wins}/${v.pairs}`,
          v.verdict,
          v.claim ? `expects ${v.expected}: ${v.claim}` : "no claim",
        ]),
      )
    : `<p>${rows.length && new Set(rows.map((r) => r.seed)).size < 2 ? "1 seed: no verdict possible." : "No comparisons declared."}</p>`;
  const failures = rows.filter((r) => r.status === "failed");
  const leaderList = leaders(rows, cells);
  const bounds = boundSummaries(rows);
  const practitioners = practitionerRows(rows, cells);
  const spec = suite.sampleEfficiency;
  const efficiency = spec ? sampleEfficiency(rows, spec) : [];
  const labels = (list: ReportSuite["environments"]) => (list ?? []).map((e) => e.label ?? e.name ?? "");
  const head = headline(rows, labels(suite.environments), input.algorithmOrder);
  const claims = claimLines(verdicts);
  const sections = SECTIONS.map((s) => {
    const idx = charts.map((c, i) => (c.section === s.id ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return "";
    return `<h2 id="section-${s.id}">${esc(s.title)}</h2>${s.note ? `<p class="note">${esc(s.note)}</p>` : ""}<div class="charts">
${idx
  .map(
    (i) =>
      `<figure class="chart" data-chart="${i}" data-section="${s.id}" id="${charts[i].id}"><figcaption>${esc(charts[i].title)}</figcaption><div class="static"><noscript>This chart is drawn by the page's script; without JavaScript open charts/${esc(charts[i].id)}.svg beside this file.</noscript></div><div class="hidden-note"></div><script type="application/json" class="vg-spec">${JSON.stringify(compiled[i]).replace(/</g, "\\u003c")}</script></figure>`,
  )
  .join("\n")}
</div>`;
  }).join("\n");
  const styles = Object.fromEntries(algorithmStyles(styleOrder(input)));
  const data = JSON.stringify({
    suite: suite.name,
    cells,
    verdicts,
    styles,
    headline: { ...head, budgets: Object.fromEntries(head.budgets) },
  }).replace(/</g, "\\u003c");
  const toc: [string, string][] = [
    ["headline", "Headline"],
    ["claims", "Claims"],
    ...SECTIONS.filter((s) => charts.some((c) => c.section === s.id)).map((s): [string, string] => [
      `section-${s.id}`,
      s.title,
    ]),
    ["tables", "Tables"],
  ];
  const foldId = (id: string, html: string) => (html ? `<div id="${id}">${html}</div>` : "");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>gsh report: ${esc(suite.name)}</title>
<style>${CSS}</style>
</head><body>
<header>
<h1>gsh report: ${esc(suite.name)}</h1>
<p class="meta" id="run-metadata">${runMetadata(input)
    .map((m) => `<span>${esc(m)}</span>`)
    .join("")}</p>
${(input.notes ?? []).map((n) => `<p class="warn">${esc(n)}</p>`).join("\n")}
<nav class="toc" id="toc">${toc.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join("")}</nav>
</header>
<section id="headline"><h2>Who wins where, and how far from the optimum</h2>
${headlineHtml(head, esc)}
</section>
<section id="claims"><h2>The paper's claims</h2>
${claimsHtml(claims, head.seeds, esc)}
</section>
<details><summary><h2>About this suite</h2></summary><p>${esc(suite.description ?? "")}</p><p>Every number is exact, computed from the truth at the environment boundary: SubOpt = J(π*) − J(π) = η·E KL(π‖π*). Means ± 95% Student-t intervals over seeds unless a chart says otherwise.</p></details>
${sections}
<div id="tables">
${fold("Leaders", leaderList.length ? `<p>${esc(LEADERS_EXPLANATION)}</p>${htmlTable(LEADER_HEADER, leaderRows(leaderList))}` : "", true)}
${fold("Sample efficiency", efficiency.length && spec ? `<p>${esc(sampleEfficiencyExplanation(spec))}</p>${htmlTable(SAMPLE_EFFICIENCY_HEADER, sampleEfficiencyRows(efficiency, spec.baseline))}` : "", true)}
${fold("Theory: bounds, confidence events", bounds.length ? `<p>${esc(BOUND_EXPLANATION)}</p>${htmlTable(BOUND_HEADER, boundRows(bounds))}` : "")}
${fold("Practitioners' metrics (TRL names) beside the exact ones", practitioners.length ? htmlTable(PRACTITIONER_HEADER, practitioners) : "")}
${fold("Comparisons", verdictTable)}
${fold("Summary", summary)}
${foldId("policy-gradient", policyGradientHtml(rows, htmlTable, esc))}
${foldId("coverage", coverageHtml(rows, htmlTable, esc))}
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
</div>
<script type="application/json" id="gsh-data">${data}</script>
<script>${vegaRuntime()}</script>
<script>${INTERACTIVE_SCRIPT}</script>
</body></html>
`;
}
