// The neural definitions with the browser's backend choice (algorithms.ts: Node's).
import { availableBackends, loadTf } from "./backend-browser";
import { neuralDefinitions } from "./neural-algorithms";

export const { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms } = neuralDefinitions({
  availableBackends: () => availableBackends(),
  loadTf,
});
