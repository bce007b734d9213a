// The public API, named: the algorithms, the exploration rules (each usable as a custom rule's building block), and
// the helpers a plugin's rule needs. The loop settings shared by the two online GSHF files stay internal.
export { type EnhancerOptions, type EnhancerResult, enhancer } from "./enhancer";
export {
  type ExplorationName,
  type ExplorationRule,
  type ExplorationState,
  type PairPlan,
  bestVsWorstRule,
  enhancerRule,
  explorationRule,
  onPolicyRule,
  referenceRule,
  uniformRule,
} from "./exploration";
export { fromPolicies, requireData, requireHessian } from "./rule-helpers";
export {
  BOOTSTRAP_ENSEMBLE,
  bootstrapPair,
  bootstrapPosteriorRule,
  laplacePosteriorRule,
  laplacePosteriorSampler,
} from "./posterior-sampling";
export { xpoPolicy, xpoRule } from "./xpo";
export { type OptimisticMle, type OptimisticMleOptions, calibratedValue, optimisticMle, vpoRule } from "./vpo";
export { activeLearningPairs, activeLearningRule, activeLearningScore, bestActivePair } from "./active-learning";
export {
  type IterationTrace,
  type OnlineGshfOptions,
  type OnlineGshfResult,
  hybridGshf,
  onlineGshf,
} from "./online-gshf";
export { type SequenceOnlineOptions, type SequenceOnlineResult, onlineGshfSequence } from "./online-gshf-sequence";
