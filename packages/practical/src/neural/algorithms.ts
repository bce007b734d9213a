// The neural definitions with Node's backend choice (algorithms.browser.ts: the browser's).
import { availableBackends, loadTf } from "./backend";
import { neuralDefinitions } from "./neural-algorithms";

export const { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms } = neuralDefinitions({
  availableBackends: () => availableBackends(),
  loadTf,
});
