// The neural definitions with the browser's backend choice (algorithms.ts: Node's).
import type { AlgorithmDefinition } from "@gsh/preference";
import { availableBackends, loadTf } from "./backend-browser";
import { neuralDpoDefinition } from "./neural-dpo";
import { neuralIterativeDpoDefinition } from "./neural-iterative-dpo";

const backends = { availableBackends: () => availableBackends(), loadTf };
/** `neural-dpo`: offline DPO with a TF.js policy (the MLP; on sequences the Markov MLP or the recurrent policy). */
export const neuralDpoAlgorithm = neuralDpoDefinition(backends);
/** `neural-iterative-dpo`: iterative DPO on sequences with the TF.js Markov MLP. */
export const neuralIterativeDpoAlgorithm = neuralIterativeDpoDefinition(backends);
/** The neural practical algorithms (register them only where TF.js is installed). */
export const neuralAlgorithms: readonly AlgorithmDefinition[] = [
  neuralDpoAlgorithm,
  neuralIterativeDpoAlgorithm,
] as AlgorithmDefinition[];
