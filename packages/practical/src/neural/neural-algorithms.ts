import type { AlgorithmDefinition } from "@gsh/preference";
import { type NeuralBackends, neuralDpoDefinition } from "./neural-dpo";
import { neuralIterativeDpoDefinition } from "./neural-iterative-dpo";

/** The neural definitions for one platform's backend choice (Node's in algorithms.ts, the browser's beside it). */
export function neuralDefinitions(backends: NeuralBackends) {
  const neuralDpoAlgorithm = neuralDpoDefinition(backends);
  const neuralIterativeDpoAlgorithm = neuralIterativeDpoDefinition(backends);
  const neuralAlgorithms: readonly AlgorithmDefinition[] = [
    neuralDpoAlgorithm,
    neuralIterativeDpoAlgorithm,
  ] as AlgorithmDefinition[];
  return { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms };
}
