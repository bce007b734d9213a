// What a learner sees, and what it does with it: the problem and a counted oracle → data → estimator → policy.
// The testbeds that build the truth and score policies (the metrics) are @gsh/testbeds.
// Named exports: the public API (etc/*.api.md); module-internal helpers are not listed.
export { type BanditProblem, type PreferenceOracle } from "./environments/bandit";
export { type Oracle } from "./environments/oracle";
export { ENVIRONMENT_KINDS, type EnvironmentKind, isEnvironmentKind } from "./environments/environment";
export {
  type SequenceProblem,
  type ReferenceLayout,
  referenceRows,
  referenceRow,
  referenceLogTable,
  type MarkovPolicy,
  stride,
  type SequenceOracle,
} from "./sequence/problem";
export {
  referenceMarkovPolicy,
  bigramReward,
  sequenceReward,
  sequenceGibbs,
  type MarkovRows,
  markovRows,
  referenceMarkovRows,
  stateMarginals,
  expectedSequenceFeatures,
  sequenceFeatureCovariance,
} from "./sequence/dp";
export {
  sampleSequence,
  sampleReferenceSequence,
  referenceLogProb,
  sequenceLogProb,
  sequenceFeatures,
  type SequenceOfflineData,
  sequencePairs,
} from "./sequence/sampler";
export { enumerateResponses, forEachResponse } from "./sequence/enumeration";
export {
  ENUMERATION_LIMIT,
  type SequencePolicy,
  markovSequencePolicy,
  gibbsSequencePolicy,
  type TabularSequencePolicy,
  sampleFromPolicy,
  policyLogProb,
  markovAsSampler,
} from "./sequence/policy";
export {
  type FactoredGibbsPolicy,
  factoredGibbsPolicy,
  linearSequenceGibbs,
  gibbsOccupancy,
  gibbsMixtureOccupancy,
  gibbsRows,
  expectedGibbsFeatures,
  sharedFeatureCovariance,
  sampleGibbsSequence,
  gibbsSequenceLogProb,
} from "./sequence/gibbs-policy";
export { PreferenceDataset, winnerMinusLoser } from "./data/dataset";
export {
  type PolicyCoverage,
  touchedResponses,
  policyCoverage,
  markovSequenceCoverage,
  touchedSequences,
} from "./data/coverage";
export { type BehaviourPolicy, samplePairs } from "./data/sampling";
export { type DatasetSchema, type ReadOptions, type ReadResult, type ParsedRecord, parseRecord } from "./data/jsonl";
export { type PairRule, type PairOptions, selectPair } from "./data/pairs";
export {
  SCHEMA_VERSION,
  type SavedEstimate,
  estimateToJson,
  estimateFromJson,
  covarianceToJson,
  covarianceFromJson,
  policyToJson,
  policyFromJson,
  REWARD_MODEL_SCHEMA,
  REWARD_MODEL_VERSION,
  rewardParametersToJson,
} from "./data/serialize";
export {
  type QueryCounter,
  type RoundPlan,
  type OnlineAgent,
  type OnlineLoopOptions,
  type OnlineLoopResult,
  onlineLoop,
} from "./data/online-loop";
export {
  type BradleyTerryOptions,
  type BradleyTerryFit,
  bradleyTerryLoss,
  fitBradleyTerry,
  fitBradleyTerryPairs,
  bradleyTerryHessian,
  bradleyTerryPairsHessian,
  fitBradleyTerryOrThrow,
} from "./estimation/bradley-terry";
export {
  Covariance,
  maxRewardGap,
  rewardGapBound,
  sequenceRewardGapBound,
  logisticCurvature,
  type ConfidenceWidthInput,
  confidenceWidth,
  identifiedProjection,
  estimationError,
} from "./estimation/confidence";
export {
  type GibbsFamily,
  tiltsFromMoments,
  familyKl,
  contextMean,
  finiteGibbsFamily,
  sequenceGibbsFamily,
} from "./policy/gibbs-family";
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
  ALGORITHM_TRACKS,
  type EnvironmentShape,
  type UnsupportedOnKind,
  type AlgorithmDefinition,
  defineAlgorithm,
} from "./algorithm/contract";
export { betaSpec, type BetaSpec, resolveBeta, splitBudget } from "./algorithm/params";
export { gibbsKlMoments } from "./sequence/kl-moments";
