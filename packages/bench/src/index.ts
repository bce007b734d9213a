// Named exports: the public API (etc/bench.api.md) for three users: plugin authors (defineAlgorithm,
// defineEnvironment, the trial contexts), the CLI and scripts (suites, trials, the runner, writing results and
// the results directory), and (re-exported from @gsh/report) readers of result rows. The built-in registries and
// the per-trial diagnostics are module-internal: they reach users through rows.
// The plugin API: the algorithm contract is @gsh/preference's (the algorithms' packages implement it), the
// environment contract @gsh/testbeds'; re-exported here so that a plugin imports everything from @gsh/bench.
export {
  z,
  type TrialBase,
  type FiniteTrialContext,
  type SequenceTrialContext,
  type TrialContext,
  type ContextFor,
  type TrialCosts,
  type AlgorithmOutput,
  type AlgorithmTrack,
  type EnvironmentShape,
  type UnsupportedOnKind,
  type AlgorithmDefinition,
  defineAlgorithm,
} from "@gsh/preference";
export { type EnvironmentDefinition, type InstanceFor, defineEnvironment } from "@gsh/testbeds";
export { Registry, builtinRegistry, loadPlugins } from "./registry";
export { type PluginError, type BenchError, formatBenchError } from "./errors";
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
export { type Trial, expandTrials, shardTrials, runTrial } from "./trial";
export { type RunEstimate, estimateRunSeconds } from "./estimate";
export { OverBudget } from "./learner-view";
export { type ShardAssignment, shardFromEnvironment } from "./scheduler";
export { suiteFingerprint, FINGERPRINT_SCHEMA } from "./fingerprint";
export { type CodeIdentity } from "./code-identity";
export { type MergeSummary, mergeResultDirs, type ResultsDirStatus, resultsDirStatus } from "./results-dir";
export { type DirLock, lockDir, withDirLock } from "./dir-lock";
export { type RunOptions, type RunSummary, runSuite } from "./runner";
// Moved to @gsh/report (rows, reading them, summaries, verdicts and the report files): re-exported here so that code
// written against @gsh/bench keeps working. New code imports them from @gsh/report.
export {
  type OverOptimization,
  type TrainingPathOverOptimization,
  RESULT_SCHEMA,
  type ResultSchema,
  type RowBase,
  type TextSample,
  type OkRow,
  type FailedRow,
  type ResultRow,
  type TrialMetrics,
  reproducibleContent,
  type BadLine,
  type ResultsContent,
  readResultsFile,
  readResults,
  type CellSummary,
  type ComparisonVerdict,
  type Leader,
  type SummaryStyle,
  summarizeCells,
  compare,
  leaders,
  formatSummary,
  type SampleEfficiencySpec,
  type SampleEfficiency,
  queriesToEpsilon,
  ratioBounds,
  sampleEfficiency,
  formatRatio,
  resultsCsv,
  type Chart,
  type VegaLiteSpec,
  type ReportInput,
  reportHtml,
  type ReportFormat,
  REPORT_FORMATS,
  type WrittenReport,
  type Completeness,
  backendsUsed,
  writeReport,
} from "@gsh/report";
