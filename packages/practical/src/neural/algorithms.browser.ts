// The neural definitions with the browser's backend choice (algorithms.ts: Node's).
import { availableBackends, loadTf } from "./backend-browser";
import { neuralDefinitions } from "./neural-algorithms";

const definitions = neuralDefinitions({ availableBackends: () => availableBackends(), loadTf });
/** `neural-dpo`: offline DPO with a TF.js policy (the MLP; on sequences the Markov MLP or the recurrent policy). */
export const neuralDpoAlgorithm = definitions.neuralDpoAlgorithm;
/** `neural-iterative-dpo`: iterative DPO on sequences with the TF.js Markov MLP. */
export const neuralIterativeDpoAlgorithm = definitions.neuralIterativeDpoAlgorithm;
/** The neural practical algorithms (register them only where TF.js is installed). */
export const neuralAlgorithms = definitions.neuralAlgorithms;
