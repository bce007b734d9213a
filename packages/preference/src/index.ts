// environment → data → estimator → policy → metrics: the folders follow the flow.
// Named exports: the public API (etc/*.api.md); module-internal helpers are not listed.
export {
  type BanditProblem,
  type PreferenceOracle,
  type PolicyMetrics,
  type Truth,
  type BanditInstance,
  makeTruth,
  evaluatePolicy,
} from "./environments/bandit";
export {
  type PreferenceModel,
  BRADLEY_TERRY,
  normalCdf,
  preferenceProbability,
} from "./environments/preference-models";
export { type Oracle, countedOracle, modelLabel } from "./environments/oracle";
export {
  type WorldVariant,
  type InstanceParts,
  tabularOracle,
  assembleInstance,
  type LinearBanditParams,
  linearBandit,
} from "./environments/linear-bandit";
export {
  type TestbedRParams,
  testbedR,
  type TestbedPParams,
  testbedP,
  type TestbedHParams,
  testbedH,
} from "./environments/testbeds";
export {
  type NonTransitiveInstance,
  nonTransitiveBandit,
  winRate,
  referenceModePolicy,
} from "./environments/non-transitive";
export {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  type EnvironmentInstance,
  isEnvironmentKind,
} from "./environments/environment";
export {
  type SequenceProblem,
  type ReferenceLayout,
  referenceRows,
  referenceRow,
  referenceLogTable,
  type MarkovPolicy,
  type SequenceMetrics,
  type SequenceTruth,
  type SequenceOracle,
  type SequenceInstance,
} from "./sequence/problem";
export {
  referenceMarkovPolicy,
  bigramReward,
  sequenceReward,
  sequenceGibbs,
  type MarkovRows,
  markovRows,
  referenceMarkovRows,
  evaluateMarkovPolicy,
  expectedSequenceFeatures,
  sequenceFeatureCovariance,
} from "./sequence/dp";
export {
  sampleSequence,
  sampleReferenceSequence,
  referenceLogProb,
  sequenceLogProb,
  sequenceFeatures,
  sampleSequenceOfflineData,
  type SequenceOfflineData,
  sequencePairs,
} from "./sequence/sampler";
export { type TestbedSParams, SEQUENCE_SIZES, testbedS, countedSequenceOracle } from "./sequence/testbed";
export { enumerateSequenceInstance, enumerateResponses, forEachResponse } from "./sequence/enumeration";
export {
  ENUMERATION_LIMIT,
  type SequencePolicy,
  markovSequencePolicy,
  gibbsSequencePolicy,
  type TabularSequencePolicy,
  sampleFromPolicy,
  policyLogProb,
  type SequencePolicyMetrics,
  evaluateSequencePolicy,
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
  evaluateGibbsPolicy,
  sampleGibbsSequence,
  gibbsSequenceLogProb,
} from "./sequence/gibbs-policy";
export { PreferenceDataset, winnerMinusLoser } from "./data/dataset";
export { type BehaviourPolicy, behaviourProbabilities, samplePairs, sampleOfflineData } from "./data/sampling";
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
