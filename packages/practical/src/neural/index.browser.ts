// "@gsh/practical/neural" for the browser (a bundler picks it through the "browser" export condition): the same
// exports as index.ts, with the browser's backend choice (no native bindings, no file system, TF.js by import()).
export {
  type BackendName,
  type BackendProbe,
  platformProbe,
  availableBackends,
  chooseBackend,
  loadTf,
} from "./backend-browser";
export * from "./policies-entry";
export { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms } from "./algorithms.browser";
