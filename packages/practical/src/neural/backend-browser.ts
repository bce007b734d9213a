// The browser's variant of the backend choice ("@gsh/practical/neural" under a bundler's "browser" condition): no
// native bindings and no file system, TF.js loaded with import(). Same exports as backend.ts (Node).
import type * as tfType from "@tensorflow/tfjs";
import type { BackendName, BackendProbe } from "./backend-types";
import { backendsFor, cachedTfLoader, pickBackend } from "./backend-choice";

export type { BackendName, BackendProbe };

/**
 * The browser's probe: no native binding ever; the wasm backend only when the page says so, by passing a probe
 * whose `hasWasm` is true once it has installed @tensorflow/tfjs-backend-wasm and set where its .wasm files are
 * served (`setWasmPaths`). By default a page gets the cpu backend, whose numbers match Node's cpu backend.
 */
export const platformProbe: BackendProbe = {
  hasNativeBinding: () => false,
  hasWasm: () => false,
};

/** The backends usable in this page, fastest first: wasm (when the probe allows it) → cpu. */
export function availableBackends(probe: BackendProbe = platformProbe): BackendName[] {
  return backendsFor(probe);
}

/** The backend that would be used: `prefer` when it is available, else the fastest available one. */
export function chooseBackend(probe: BackendProbe = platformProbe, prefer?: BackendName): BackendName {
  return pickBackend(probe, prefer);
}

const loadWith = cachedTfLoader(async (want) => {
  const tf = await import("@tensorflow/tfjs");
  if (want === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  return { tf, tfName: want };
});

/** Loads TF.js with the chosen backend (once per page) and returns it with the backend's name. */
export function loadTf(
  options: { probe?: BackendProbe; prefer?: BackendName } = {},
): Promise<{ tf: typeof tfType; backend: BackendName }> {
  return loadWith(chooseBackend(options.probe ?? platformProbe, options.prefer));
}
