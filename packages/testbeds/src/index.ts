// The testbeds: environments whose optimum is known, the only package that builds ground truth (θ*, r*, π*), draws
// preference labels and scores policies exactly at the environment boundary. Learners see a problem and a counted
// oracle (@gsh/preference's types), never what is exported here.
// This root is platform-free (it bundles for the browser; testbed T from a text model asset's bytes is here too);
// `testbedT`, which reads its corpus from disk, and the built-in environment definitions are "@gsh/testbeds/node".
// Named exports: the public API (etc/testbeds.api.md).
export { type PreferenceModel, BRADLEY_TERRY, normalCdf, preferenceProbability } from "./preference-models";
export { countedOracle, modelLabel } from "./oracle";
export { type EnvironmentInstance } from "./environment";
export { type PolicyMetrics, type Truth, type BanditInstance, makeTruth, evaluatePolicy } from "./bandit/truth";
export {
  type WorldVariant,
  type InstanceParts,
  tabularOracle,
  assembleInstance,
  type LinearBanditParams,
  linearBandit,
} from "./bandit/linear-bandit";
export {
  type TestbedRParams,
  testbedR,
  type TestbedPParams,
  testbedP,
  type TestbedHParams,
  testbedH,
} from "./bandit/testbeds";
export { type NonTransitiveInstance, nonTransitiveBandit, winRate, referenceModePolicy } from "./bandit/non-transitive";
export { behaviourProbabilities, sampleOfflineData } from "./bandit/offline-data";
export {
  type SequenceMetrics,
  type SequenceTruth,
  type SequenceInstance,
  type SentenceStatistics,
} from "./sequence/instance";
export { type TestbedSParams, SEQUENCE_SIZES, testbedS, countedSequenceOracle } from "./sequence/testbed-s";
export { enumerateSequenceInstance } from "./sequence/enumeration";
export { sampleSequenceOfflineData } from "./sequence/offline-data";
export {
  evaluateMarkovPolicy,
  evaluateGibbsPolicy,
  type SequencePolicyMetrics,
  evaluateSequencePolicy,
} from "./sequence/metrics";
export { type MonteCarloEstimate, monteCarloEvaluation } from "./sequence/monte-carlo";
export { DEFAULT_ETA } from "./defaults";
export { type EnvironmentDefinition, type InstanceFor, type InstanceReuse, defineEnvironment } from "./define";
export {
  TEXT_OBJECTIVES,
  type TextObjective,
  SENTIMENT_REWARD_PER_AFINN_POINT,
  type TestbedTParams,
  TEXT_DEFAULTS,
  type TextInstance,
  textTestbed,
  textTestbedFromBytes,
  expectedTokenCounts,
} from "./text/testbed-t";
