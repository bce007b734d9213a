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
export { RewardModel, tableProposal, type RewardLabelMode, rewardModelLabel, rewardLabel } from "./reward-model";
export { type PolicyClass, createTrainablePolicy } from "./policy-factory";
export {
  type SamplingCosts,
  statisticalRejectionSample,
  rejectionSampleWithLogAcceptance,
  bestOfN,
  DEFAULT_SYNTHETIC_PAIRS,
  FINITE_SYNTHETIC_PAIRS,
  rsoDefaultPairs,
  consecutivePairs,
  annealedLogWeights,
  fittedLogWeights,
  defaultSchedule,
} from "./rejection-sampling";
export {
  type Proposal,
  type PairSet,
  type ComparisonRecords,
  type RewardEstimate,
  type PracticalEnvironment,
  type FitOptions,
  type FitResult,
  type Learner,
} from "./learner";
export {
  type FiniteEnvironment,
  finiteEnvironment,
  type FiniteFitResult,
  type BanditLearner,
  type BanditLearnerOptions,
  banditLearner,
  type NeuralBanditModel,
  neuralBanditLearner,
} from "./finite";
export {
  type SequencePairsView,
  SequencePairs,
  sequenceProposal,
  SequenceRewardModel,
  type SequenceEnvironment,
  sequenceEnvironment,
  type SequenceLearner,
  logLinearLearner,
  type NeuralSequenceModel,
  neuralLearner,
} from "./sequence/sequence-learner";
export { type LearnerTrial, type LearnerBody, withLearner } from "./trial-learner";
export { ALL_KINDS, lossKind, lossOf, policyClass, policyUnsupported, iterativeParams, neuralParams } from "./params";
export { type OfflineDpoOptions, dpo, offlineDpo, sequenceDpo, dpoAlgorithm } from "./dpo";
export {
  type RsoOptions,
  type RsoRun,
  type RsoResult,
  rso,
  type SequenceRsoOptions,
  sequenceRso,
  rsoAlgorithm,
} from "./rso";
export {
  type MultiStepOptions,
  type MultiStepStep,
  type MultiStepRun,
  type MultiStepResult,
  multiStepRejectionSampling,
  sequenceMultiStepRs,
  multiStepRsAlgorithm,
} from "./multi-step-rs";
export {
  type IterativeDpoOptions,
  type IterativeDpoRound,
  type IterativeDpoRun,
  type IterativeDpoResult,
  iterativeDpo,
  iterativeDpoOutput,
  type SequenceIterativeDpoOptions,
  sequenceIterativeDpo,
  iterativeDpoAlgorithm,
} from "./iterative-dpo";
export {
  type SequencePair,
  type NeuralTrainOptions,
  type NeuralTraining,
  type EpochTraining,
  type FixedStepsTraining,
  type NeuralTrainingRun,
  type NeuralRuns,
  type DisplacementPoint,
  DEFAULT_EPOCH_TRAINING,
} from "./sequence/neural-types";
export { type ResponsePair, DisplacementProbe } from "./displacement";
export { LogLinearSequencePolicy } from "./sequence/log-linear-sequence-policy";
export { practicalAlgorithms } from "./algorithms";
export {
  type LogProbObjective,
  type WeightedPairs,
  addLogProbGradient,
  logProbObjectiveValue,
  lbfgsWithinSteps,
  fitLogProbObjective,
} from "./log-prob-objective";
export { chi2poObjective, linkInverse, chi2RegularizedOptimum, chi2po, chi2poAlgorithm } from "./chi2po";
export {
  SFT_WEIGHT,
  dpoSftObjective,
  dpoSft,
  sequenceDpoSftObjective,
  sequenceDpoSft,
  dpoSftAlgorithm,
} from "./dpo-sft";
export {
  type LogLinearSequenceMoments,
  logLinearSequenceMoments,
  type SequenceObjective,
  sequenceObjectiveValue,
  fitSequenceObjective,
} from "./sequence/log-linear-moments";
export {
  type EnsembleAggregate,
  ENSEMBLE_DEFAULTS,
  bootstrapRewards,
  aggregateRewards,
  rewardEnsemblePolicy,
  rewardEnsembleAlgorithm,
} from "./reward-ensemble";
export {
  type UnpairedLabels,
  unpairedLabels,
  type ReferencePoint,
  type KtoSettings,
  referencePoint,
  ktoObjective,
  type KtoResult,
  kto,
  sequenceKtoObjective,
  sequenceKto,
  ktoAlgorithm,
} from "./kto";
export {
  type DecayShape,
  type Schedule,
  learningRateAt,
  warmupStepsFor,
  clipByGlobalNorm,
  clipScale,
  AdamW,
  optimizerParams,
  type OptimizerSettings,
  DEFAULT_OPTIMIZER,
  scheduleFor,
} from "./training";
export * from "./policy-gradient";
