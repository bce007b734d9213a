// "@gsh/practical/neural": the TF.js policies (an optional peer dependency: install @tensorflow/tfjs, and
// @tensorflow/tfjs-backend-wasm or tfjs-node for speed) and the backend choice. Named exports: the public API
// (etc/practical-neural.api.md); the dense-layer builders are module-internal.
export { type BackendName, type BackendProbe, nodeProbe, availableBackends, chooseBackend, loadTf } from "./backend";
export {
  MARKOV_TABLE_LIMIT,
  NeuralSequencePolicy,
  type SequenceLogProbModel,
  trainSequenceDpo,
} from "./sequence-policy";
export { NeuralBanditPolicy } from "./mlp-policy";
export { RecurrentSequencePolicy, type MonteCarloEstimate, monteCarloEvaluation } from "./recurrent-policy";
// Types of the root entry point that these signatures use, so the sub-entry's API report is self-contained.
export type { BanditPolicyModel } from "../policies";
export type { PairBatch } from "../pairs-data";
export type { SequencePair, NeuralTrainOptions } from "../sequence/neural-types";
