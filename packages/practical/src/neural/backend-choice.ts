import type * as tfType from "@tensorflow/tfjs";
import type { BackendName, BackendProbe } from "./backend-types";

/** The backends usable here, fastest first: tfjs-node-gpu → tfjs-node → wasm → cpu. */
export function backendsFor(probe: BackendProbe): BackendName[] {
  const available: BackendName[] = [];
  if (probe.hasNativeBinding("@tensorflow/tfjs-node-gpu")) available.push("tensorflow-gpu");
  if (probe.hasNativeBinding("@tensorflow/tfjs-node")) available.push("tensorflow");
  if (probe.hasWasm()) available.push("wasm");
  available.push("cpu");
  return available;
}

/**
 * The backend that would be used: `prefer` when it is available, else the fastest available one. A caller that
 * asks for a backend must not silently get another: check with `availableBackends` first (the bench refuses such a
 * suite unless it sets `backendFallback: true`).
 */
export function pickBackend(probe: BackendProbe, prefer?: BackendName): BackendName {
  const available = backendsFor(probe);
  if (prefer && available.includes(prefer)) return prefer;
  return available[0];
}

/**
 * The platform-independent half of `loadTf`: one TF.js module per process (or page), switched to the wanted
 * backend and made ready. `load` brings TF.js with that backend registered and says the name TF.js knows it by.
 */
export function cachedTfLoader(
  load: (want: BackendName) => Promise<{ tf: typeof tfType; tfName: string }>,
): (want: BackendName) => Promise<{ tf: typeof tfType; backend: BackendName }> {
  let tfModule: typeof tfType | null = null;
  let active: BackendName | null = null;
  return async (want) => {
    if (tfModule && active === want) return { tf: tfModule, backend: active };
    const { tf, tfName } = await load(want);
    if (!(await tf.setBackend(tfName))) throw new Error(`TF.js backend '${tfName}' failed to initialize`);
    await tf.ready();
    tfModule = tf;
    active = want;
    return { tf, backend: want };
  };
}
