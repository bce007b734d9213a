// Reports from result rows: rows (the versioned schema, read from results.jsonl) → cells and paired verdicts →
// charts (Vega-Lite, rendered to SVG and PNG in Node) and tables → files. It reads rows and suite.json only: every
// row carries what a chart needs (its track included), so no algorithm, testbed or TF.js is loaded.
// Named exports: the public API (etc/report.api.md).
export {
  RESULT_SCHEMA,
  type ResultSchema,
  type RowBase,
  type TextSample,
  type SentenceExpectation,
  type OkRow,
  type FailedRow,
  type ResultRow,
  type TrialMetrics,
  type OverOptimization,
  type TrainingPathOverOptimization,
  type CoverageDiagnostics,
  type CoverageOfPolicy,
  reproducibleContent,
} from "./result-row";
export { type BadLine, type ResultsContent, readResultsFile, readResults } from "./results-file";
export {
  type ReportSuite,
  type SuiteLabel,
  type Comparison,
  type SampleEfficiencySpec,
  type RunMachine,
} from "./suite-record";
export {
  type CellSummary,
  type ComparisonVerdict,
  type ClaimStatus,
  type Leader,
  type SummaryStyle,
  summarizeCells,
  compare,
  leaders,
  formatSummary,
} from "./aggregate";
export {
  type SampleEfficiency,
  queriesToEpsilon,
  ratioBounds,
  sampleEfficiency,
  formatRatio,
} from "./sample-efficiency";
export { resultsCsv } from "./csv";
export { type VegaLiteSpec, type Chart, renderSvg } from "./render";
export { type AlgorithmStyle, PALETTE, MARKERS, algorithmStyles, chunkByColour } from "./identity";
export { type Track, trackOf } from "./charts";
export { comparisonCharts } from "./comparison-charts";
export { type ReportInput, reportCharts, reportHtml } from "./html";
export { type BoundStatus, type BoundSummary, boundStatus, boundSummaries } from "./theory";
export { TRL_METRICS, practitionerRows } from "./tables";
export { calibrationSummary } from "./diagnostics";
export { sentencesHtml, sentencesMarkdown } from "./text";
export {
  type KlMatrixCell,
  type PgRunCell,
  klConfigurationMatrix,
  policyGradientRuns,
  subOptimalityAlongSamples,
  policyGradientHtml,
} from "./policy-gradient";
export { type ReportFormat, REPORT_FORMATS, type WrittenReport, type Completeness, writeReport } from "./write";
export { backendsUsed } from "./backends";
export { type CoverageCell, coverageCells, COVERAGE_HEADER, coverageRows, coverageHtml } from "./coverage-section";
export {
  type Headline,
  type HeadlineCell,
  type NonTransitiveCell,
  type ClaimLine,
  headline,
  claimLines,
} from "./headline";
export { headlineText, claimsText } from "./headline-render";
export { type TimingEntry, type EnvironmentTiming, type TimingProfile, timingProfile, formatTimings } from "./timings";
