// The public API, named: the algorithms and their definitions, the exploration rules (each usable as a custom rule's
// building block) with their registry, the worlds a rule sees, and the helpers a plugin's rule needs.
export { type EnhancerOptions, type EnhancerResult, enhancer } from "./enhancer";
export type { ExplorationRule, ExplorationState, PairPlan } from "./exploration";
export { type ExplorationWorld, type ResponseSampler, finiteWorld, sequenceWorld } from "./world";
export { EXPLORATION_NAMES, type ExplorationName, explorationRule, explorationUnsupported } from "./rules";
export { bestVsWorstRule, enhancerRule, onPolicyRule, referenceRule, uniformRule } from "./basic-rules";
export { fromPolicies, fromSamplers, requireData, requireHessian } from "./rule-helpers";
export {
  BOOTSTRAP_ENSEMBLE,
  bootstrapPair,
  bootstrapPosteriorRule,
  laplacePosteriorRule,
  laplacePosteriorSampler,
} from "./posterior-sampling";
export { XPO_FINITE_ONLY, xpoPolicy, xpoRule } from "./xpo";
export { type OptimisticMle, type OptimisticMleOptions, calibratedValue, optimisticMle, vpoRule } from "./vpo";
export {
  activeLearningPairs,
  activeLearningRule,
  activeLearningRuleWith,
  activeLearningScore,
  bestActivePair,
} from "./active-learning";
export {
  type IterationTrace,
  type OnlineGshfOptions,
  type OnlineGshfResult,
  type SequenceOnlineOptions,
  type SequenceOnlineResult,
  hybridGshf,
  hybridGshfAlgorithm,
  onlineAlgorithms,
  onlineGshf,
  onlineGshfAlgorithm,
  onlineGshfSequence,
} from "./online-gshf";
