// Named exports: the public API (etc/bench.api.md) for three users: plugin authors (defineAlgorithm,
// defineEnvironment, the trial contexts), the CLI and scripts (suites, trials, the runner, results files, the
// report), and readers of result rows. The built-in registries, the per-trial diagnostics and the report's chart
// builders are module-internal: they reach users through rows and report files.
export {
  z,
  type TrialBase,
  type InstanceFor,
  type FiniteTrialContext,
  type SequenceTrialContext,
  type TrialContext,
  type ContextFor,
  type TrialCosts,
  type AlgorithmOutput,
  type AlgorithmDefinition,
  type EnvironmentDefinition,
  defineAlgorithm,
  defineEnvironment,
} from "./plugin";
export { Registry, builtinRegistry, loadPlugins } from "./registry";
export {
  type SuiteFile,
  type SuiteEntry,
  type Suite,
  suiteFileSchema,
  parseSuiteText,
  applyOverride,
  resolveSuite,
  builtinSuitesDir,
  builtinSuiteNames,
  suitePath,
  filterSuite,
  readSuiteFile,
} from "./suite";
export { type Trial, expandTrials, shardTrials, runTrial, OverBudget } from "./trial";
export { type ShardAssignment, shardFromEnvironment } from "./scheduler";
export { suiteFingerprint } from "./fingerprint";
export { type OverOptimization, type TrainingPathOverOptimization } from "./over-optimization";
export {
  RESULT_SCHEMA,
  type ResultSchema,
  type RowBase,
  type TextSample,
  type OkRow,
  type FailedRow,
  type ResultRow,
  type TrialMetrics,
  reproducibleContent,
} from "./result-row";
export { type BadLine, type ResultsContent, readResultsFile, readResults } from "./results-file";
export { type MergeSummary, mergeResultDirs } from "./results-dir";
export { type RunOptions, type RunSummary, runSuite } from "./runner";
export {
  type CellSummary,
  type ComparisonVerdict,
  type Leader,
  type SummaryStyle,
  summarizeCells,
  compare,
  leaders,
  formatSummary,
} from "./aggregate";
export {
  type SampleEfficiencySpec,
  type SampleEfficiency,
  queriesToEpsilon,
  ratioBounds,
  sampleEfficiency,
  formatRatio,
} from "./sample-efficiency";
export {
  resultsCsv,
  type Chart,
  type VegaLiteSpec,
  type ReportInput,
  reportHtml,
  type ReportFormat,
  REPORT_FORMATS,
  type WrittenReport,
  backendsUsed,
  writeReport,
} from "./report";
