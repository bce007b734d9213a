// TF.js-free: the neural policies and the backend choice are the separate entry point "@gsh/practical/neural".
// Named exports: the public API (etc/*.api.md); module-internal helpers are not listed.
export { type PairLoss, type LossSpec, type PairLossValue, validateLoss, pairLoss, DPO } from "./losses";
export { PairBatch, pairsFromDataset } from "./pairs-data";
export {
  type BanditPolicyModel,
  type TrainablePolicy,
  FinitePolicy,
  LogLinearPolicy,
  TabularPolicy,
  type TrainingMetrics,
  trainingMetrics,
} from "./policies";
export { type Objective, type OptimizeOptions, type OptimizeResult, lbfgs, adam } from "./optimizers";
export { type TrainOptions, geometricCheckpoints, type TrainResult, trainPolicy, trainPolicyOrThrow } from "./train";
export { RewardModel, type RewardLabelMode, rewardModelLabel } from "./reward-model";
export { type PolicyClass, createTrainablePolicy } from "./policy-factory";
export {
  type SamplingCosts,
  statisticalRejectionSample,
  rejectionSampleWithLogAcceptance,
  bestOfN,
  DEFAULT_SYNTHETIC_PAIRS,
  consecutivePairs,
  annealedLogWeights,
  fittedLogWeights,
  defaultSchedule,
} from "./rejection-sampling";
export { type OfflineDpoOptions, offlineDpo } from "./dpo";
export { type RsoOptions, type RsoResult, rso } from "./rso";
export {
  type MultiStepOptions,
  type MultiStepStep,
  type MultiStepResult,
  multiStepRejectionSampling,
} from "./multi-step-rs";
export {
  type IterativeDpoOptions,
  type IterativeDpoRound,
  type IterativeDpoResult,
  iterativeDpo,
} from "./iterative-dpo";
export { type SequencePair, type NeuralTrainOptions } from "./sequence/neural-types";
export { LogLinearSequencePolicy } from "./sequence/log-linear-sequence-policy";
export {
  type SequenceLearner,
  logLinearLearner,
  neuralLearner,
  sequenceDpo,
  type SequenceIterativeDpoOptions,
  sequenceIterativeDpo,
  type SequenceRsoOptions,
  sequenceRso,
  sequenceMultiStepRs,
} from "./sequence/sequence-algorithms";
