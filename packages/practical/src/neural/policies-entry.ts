// The exports both variants of "@gsh/practical/neural" share (everything but the backend choice), listed once.
export {
  MARKOV_TABLE_LIMIT,
  NeuralSequencePolicy,
  type SequenceLogProbModel,
  sequenceLogProbs,
  trainSequenceDpo,
} from "./sequence-policy";
export { NeuralBanditPolicy } from "./mlp-policy";
export { RecurrentSequencePolicy } from "./recurrent-policy";
export { TransformerSequencePolicy, type TransformerOptions } from "./transformer-policy";
// Types of the root entry point that these signatures use, so the sub-entry's API report is self-contained.
export type { BanditPolicyModel } from "../policies";
export type { PairBatch } from "../pairs-data";
export type { PairSet } from "../learner";
export type {
  SequencePair,
  NeuralTrainOptions,
  NeuralTraining,
  NeuralTrainingRun,
  DisplacementPoint,
} from "../sequence/neural-types";
export { type BatchLoss, type PairTraining, trainOnPairs, heldOutSplit, meanLoss } from "./training-loop";
export { TfAdamW, globalNormClip } from "./adamw-tf";
