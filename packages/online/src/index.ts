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
export { xpoRule, xpoValueWeight } from "./xpo";
export { UCB_BONUS_FINITE_ONLY, ucbBonusPolicy, ucbBonusRule } from "./ucb-bonus";
export {
  type OptimisticMle,
  type OptimisticMleOptions,
  calibratedValue,
  optimisticMle,
  vpoReferenceRule,
  vpoRule,
} from "./vpo";
export { ApoDesign, apoRule, apoRuleWith } from "./apo";
export {
  bestEntropyWidthPair,
  entropyWidthPairs,
  entropyWidthRule,
  entropyWidthRuleWith,
  entropyWidthScore,
} from "./entropy-width";
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
