import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GshException } from "@gsh/core";
import { type CellSummary, type ComparisonVerdict, compare, formatSummary, summarizeCells } from "./aggregate";
import type { ReportSuite, SuiteLabel } from "./suite-record";
import { readResultsFile } from "./results-file";
import { resultsCsv } from "./csv";
import { reportCharts, reportHtml } from "./html";
import { svgsToPng } from "./raster";
import { renderSvg } from "./render";
import { summarySections } from "./tables";
import { sentencesMarkdown } from "./text";
import { backendsUsed } from "./backends";
import { type ClaimLine, type Headline, claimLines, headline } from "./headline";
import { claimsText, headlineText, wrap } from "./headline-render";
import { relabelSeedCounts } from "./seed-labels";

export interface WrittenReport {
  /** summary.txt: every table (wide). */
  readonly summary: string;
  /** What a terminal shows: warnings, the claims and the headline, at most 120 columns. */
  readonly console: string;
  /** The headline and the claims as data (`gsh … --json`). */
  readonly headline: Headline;
  readonly claims: readonly ClaimLine[];
  readonly files: readonly string[];
  readonly cells: readonly CellSummary[];
  readonly verdicts: readonly ComparisonVerdict[];
}

/**
 * The files `writeReport` can write: results.csv, summary.txt, summary.md, report.html, and `svg` / `png`: each chart
 * of the report as its own file in charts/ beside report.html (named by the chart's id; PNG at 2× by resvg-wasm).
 */
export type ReportFormat = "csv" | "txt" | "md" | "html" | "svg" | "png";
export const REPORT_FORMATS: readonly ReportFormat[] = ["csv", "txt", "md", "html", "svg", "png"];

/** Which of its suite's trials a directory holds (the runner checks it against the suite's grid). */
export interface Completeness {
  /** How many trials the suite (or the directory's shard of it) has. */
  readonly expected: number;
  /** The ids of those without a row, in grid order. */
  readonly missing: readonly string[];
}

/**
 * Reads `<dir>/results.jsonl` (and suite.json) and writes the report files there: by default results.csv,
 * summary.txt, report.html and charts/*.svg; `formats` picks (md adds summary.md, the summary as Markdown tables).
 * With `completeness` and missing trials, every output says "partial: k of n trials" (results.csv in a leading `#`
 * line) and the missing ids are written to missing-trials.txt, one a line.
 */
export async function writeReport(
  dir: string,
  formats: readonly ReportFormat[] = ["csv", "txt", "html", "svg", "png"],
  completeness?: Completeness,
): Promise<WrittenReport> {
  const content = readResultsFile(join(dir, "results.jsonl"));
  if (content.duplicates.length > 0)
    throw new GshException({
      _tag: "IOError",
      path: join(dir, "results.jsonl"),
      message: `${content.duplicates.length} duplicate rows (first at line ${content.duplicates[0].line}: ${content.duplicates[0].reason}); a report would count them twice. 'gsh bench --resume' on the directory moves them aside`,
    });
  const suitePath = join(dir, "suite.json");
  const written: ReportSuite = existsSync(suitePath)
    ? (JSON.parse(readFileSync(suitePath, "utf8")) as ReportSuite)
    : { name: content.rows[0]?.suite ?? "results", description: "", comparisons: [] };
  // Labels that promise a seed count the run did not have ("…, 3 seeds" under --seeds 1) say what it had.
  const { rows, suite } = relabelSeedCounts(content.rows, written);
  const labels = (list: readonly SuiteLabel[] | undefined) => (list ?? []).map((e) => e.label ?? e.name ?? "");
  const algorithmOrder = labels(suite.algorithms);
  const cells = summarizeCells(rows, { environments: labels(suite.environments), algorithms: algorithmOrder });
  const verdicts = compare(rows, suite.comparisons ?? []);
  const notes: string[] = [];
  const missing = completeness?.missing ?? [];
  if (missing.length > 0)
    notes.push(
      `partial: ${completeness!.expected - missing.length} of ${completeness!.expected} trials (${missing.length} missing; their ids are in missing-trials.txt)`,
    );
  else if (suite.partial && !completeness)
    notes.push(`partial: ${suite.partial.have} of ${suite.partial.of} trials (merged with --allow-partial)`);
  if (suite.shard)
    notes.push(`shard ${suite.shard.index}/${suite.shard.count}: this directory holds one slice of the suite`);
  const backends = backendsUsed(rows);
  if (backends) notes.push(backends);
  if (content.corrupt.length > 0)
    notes.push(
      `${content.corrupt.length} invalid lines skipped (first: line ${content.corrupt[0].line}, ${content.corrupt[0].reason.slice(0, 80)}); 'gsh bench --resume' moves them to results.corrupt.jsonl`,
    );
  const head = headline(rows, labels(suite.environments), algorithmOrder);
  const claims = claimLines(verdicts);
  const consoleText = [
    ...notes.map((n) => wrap(n)),
    ...(notes.length ? [""] : []),
    claimsText(claims, head.seeds),
    "",
    "Headline:",
    headlineText(head),
  ].join("\n");
  const summary = [
    ...notes,
    ...(notes.length ? [""] : []),
    formatSummary(cells, verdicts),
    ...summarySections(rows, cells, suite.sampleEfficiency, "text"),
    "",
    claimsText(claims, head.seeds),
    "",
    "Headline:",
    headlineText(head),
  ].join("\n");
  const files: string[] = [];
  const put = (name: string, text: string | Uint8Array) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    files.push(f);
  };
  if (missing.length > 0) put("missing-trials.txt", missing.join("\n") + "\n");
  if (formats.includes("csv"))
    put("results.csv", (missing.length > 0 ? `# ${notes[0]}\n` : "") + resultsCsv(content.rows));
  if (formats.includes("txt")) put("summary.txt", summary + "\n");
  if (formats.includes("md"))
    put(
      "summary.md",
      [
        `# ${suite.name}`,
        ...notes.map((n) => `> ${n}`),
        "",
        "## Headline",
        "",
        "```text",
        headlineText(head),
        "```",
        "",
        "## The paper's claims",
        "",
        "```text",
        claimsText(claims, head.seeds),
        "```",
        "",
        formatSummary(cells, verdicts, "markdown"),
        ...summarySections(rows, cells, suite.sampleEfficiency, "markdown"),
        "",
        sentencesMarkdown(rows, [...new Set(cells.map((c) => c.algorithm))]),
      ].join("\n"),
    );
  if (formats.includes("html") || formats.includes("svg") || formats.includes("png")) {
    const input = { suite, cells, verdicts, rows, algorithmOrder, notes };
    const charts = reportCharts(input);
    const svgs: string[] = [];
    if (formats.includes("svg") || formats.includes("png")) for (const c of charts) svgs.push(await renderSvg(c.spec));
    if (formats.includes("html")) put("report.html", await reportHtml(input, charts));
    if ((formats.includes("svg") || formats.includes("png")) && charts.length)
      mkdirSync(join(dir, "charts"), { recursive: true });
    if (formats.includes("svg")) charts.forEach((c, i) => put(join("charts", `${c.id}.svg`), svgs[i]));
    if (formats.includes("png")) {
      const pngs = await svgsToPng(svgs);
      charts.forEach((c, i) => put(join("charts", `${c.id}.png`), pngs[i]));
    }
  }
  return { summary, console: consoleText, headline: head, claims, files, cells, verdicts };
}
