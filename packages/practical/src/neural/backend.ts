// Node's variant of the backend choice ("@gsh/practical/neural" in Node): native bindings found on disk, TF.js
// loaded with require. The browser variant is backend-browser.ts.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as tfType from "@tensorflow/tfjs";
import type { BackendName, BackendProbe } from "./backend-types";
import { backendsFor, cachedTfLoader, pickBackend } from "./backend-choice";

export type { BackendName, BackendProbe };

function findBindingFile(dir: string, depth = 0): boolean {
  if (depth > 4 || !existsSync(dir)) return false;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (f.isFile() && f.name.endsWith(".node")) return true;
    if (f.isDirectory() && f.name !== "node_modules" && findBindingFile(join(dir, f.name), depth + 1)) return true;
  }
  return false;
}

/**
 * The real probe: a native package counts only when its binding file exists (requiring it otherwise fails, and
 * requiring it next to the pure-JS backends spews kernel re-registration warnings).
 */
export const platformProbe: BackendProbe = {
  hasNativeBinding(pkg) {
    try {
      const root = dirname(require.resolve(`${pkg}/package.json`));
      return findBindingFile(join(root, "lib"));
    } catch {
      return false;
    }
  },
  hasWasm() {
    try {
      require.resolve("@tensorflow/tfjs-backend-wasm");
      return true;
    } catch {
      return false;
    }
  },
};

/** The backends usable here, fastest first: tfjs-node-gpu → tfjs-node → wasm → cpu. */
export function availableBackends(probe: BackendProbe = platformProbe): BackendName[] {
  return backendsFor(probe);
}

/**
 * The backend that would be used: `prefer` when it is available, else the fastest available one. A caller that
 * asks for a backend must not silently get another: check with `availableBackends` first (the bench refuses such a
 * suite unless it sets `backendFallback: true`).
 */
export function chooseBackend(probe: BackendProbe = platformProbe, prefer?: BackendName): BackendName {
  return pickBackend(probe, prefer);
}

const loadWith = cachedTfLoader(async (want) => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (want === "tensorflow-gpu")
    return { tf: require("@tensorflow/tfjs-node-gpu") as typeof tfType, tfName: "tensorflow" };
  if (want === "tensorflow") return { tf: require("@tensorflow/tfjs-node") as typeof tfType, tfName: "tensorflow" };
  const tf = require("@tensorflow/tfjs") as typeof tfType;
  if (want === "wasm") require("@tensorflow/tfjs-backend-wasm");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { tf, tfName: want };
});

/**
 * Loads TF.js with the chosen backend (once per process) and returns it with the backend's name, which every run
 * reports: TF.js results are reproducible per backend, not across backends.
 */
export function loadTf(
  options: { probe?: BackendProbe; prefer?: BackendName } = {},
): Promise<{ tf: typeof tfType; backend: BackendName }> {
  return loadWith(chooseBackend(options.probe ?? platformProbe, options.prefer));
}
