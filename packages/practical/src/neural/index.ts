// "@gsh/practical/neural": the TF.js policies (an optional peer dependency: install @tensorflow/tfjs, and
// @tensorflow/tfjs-backend-wasm or tfjs-node for speed) and the backend choice. Named exports: the public API
// (etc/practical-neural.api.md), the policies listed once in policies-entry.ts (shared with index.browser.ts); the
// dense-layer builders are module-internal.
export {
  type BackendName,
  type BackendProbe,
  platformProbe,
  availableBackends,
  chooseBackend,
  loadTf,
} from "./backend";
export * from "./policies-entry";
export { neuralDpoAlgorithm, neuralIterativeDpoAlgorithm, neuralAlgorithms } from "./algorithms";
