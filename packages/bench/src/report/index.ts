// The report: aggregated rows → charts (Vega-Lite, rendered to SVG in Node) and tables → files.
export { resultsCsv } from "./csv";
export { type VegaLiteSpec, renderSvg } from "./render";
export { type AlgorithmStyle, PALETTE, MARKERS, algorithmStyles, chunkByColour } from "./identity";
export { type Chart, type Track, trackOf } from "./charts";
export { comparisonCharts } from "./comparison-charts";
export { type ReportInput, reportCharts, reportHtml } from "./html";
export { type BoundStatus, type BoundSummary, boundStatus, boundSummaries } from "./theory";
export { TRL_METRICS, practitionerRows } from "./tables";
export { type ReportFormat, REPORT_FORMATS, type WrittenReport, backendsUsed, writeReport } from "./write";
export * from "./diagnostics";
export * from "./text";
