import type { AlgorithmDefinition } from "@gsh/preference";
import { type NeuralBackends, neuralDpoDefinition } from "./neural-dpo";
import { neuralIterativeDpoDefinition } from "./neural-iterative-dpo";

/** The neural definitions for one platform's backend choice (Node's in algorithms.ts, the browser's beside it). */
export function neuralDefinitions(backends: NeuralBackends) {
  /** `neural-dpo`: offline DPO with a TF.js policy (the MLP; on sequences the Markov MLP or the recurrent policy). */
  const neuralDpoAlgorithm = neuralDpoDefinition(backends);
  /** `neural-iterative-dpo`: iterative DPO on sequences with the TF.js Markov MLP. */
  const neuralIterativeDpoAlgorithm = neuralIterativeDpoDefinition(backends);
  /** The neural practical algorithms (register them only where TF.js is installed). */
  const neuralAlgorithms: readonly AlgorithmDefinition[] = [
    neuralDpoAlgorithm,
    neuralIterativeDpoAlgorithm,
  ] as AlgorithmDefinition[];
  return { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms };
}
