// The exports both variants of "@gsh/practical/neural" share (everything but the backend choice), listed once.
export {
  MARKOV_TABLE_LIMIT,
  NeuralSequencePolicy,
  type SequenceLogProbModel,
  trainSequenceDpo,
} from "./sequence-policy";
export { NeuralBanditPolicy } from "./mlp-policy";
export { RecurrentSequencePolicy } from "./recurrent-policy";
// Types of the root entry point that these signatures use, so the sub-entry's API report is self-contained.
export type { BanditPolicyModel } from "../policies";
export type { PairBatch } from "../pairs-data";
export type { PairSet } from "../learner";
export type { SequencePair, NeuralTrainOptions } from "../sequence/neural-types";
