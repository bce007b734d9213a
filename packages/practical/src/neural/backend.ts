import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as tfType from "@tensorflow/tfjs";

/** TF.js backends in the order gsh prefers them (fastest first). */
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** What the selection looks at; injected in tests (the native branches cannot run on machines without libtensorflow). */
export interface BackendProbe {
  /** Is the package installed *and* its native binding (the `.node` file its install script builds) present? */
  hasNativeBinding(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): boolean;
  /** Can the wasm backend be loaded? */
  hasWasm(): boolean;
}

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
export const nodeProbe: BackendProbe = {
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
export function availableBackends(probe: BackendProbe = nodeProbe): BackendName[] {
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
export function chooseBackend(probe: BackendProbe = nodeProbe, prefer?: BackendName): BackendName {
  const available = availableBackends(probe);
  if (prefer && available.includes(prefer)) return prefer;
  return available[0];
}

let tfModule: typeof tfType | null = null;
let active: BackendName | null = null;

/**
 * Loads TF.js with the chosen backend (once per process) and returns it with the backend's name, which every run
 * reports: TF.js results are reproducible per backend, not across backends.
 */
export async function loadTf(
  options: { probe?: BackendProbe; prefer?: BackendName } = {},
): Promise<{ tf: typeof tfType; backend: BackendName }> {
  const want = chooseBackend(options.probe ?? nodeProbe, options.prefer);
  if (tfModule && active === want) return { tf: tfModule, backend: active };
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (want === "tensorflow-gpu") tfModule = require("@tensorflow/tfjs-node-gpu") as typeof tfType;
  else if (want === "tensorflow") tfModule = require("@tensorflow/tfjs-node") as typeof tfType;
  else {
    tfModule = require("@tensorflow/tfjs") as typeof tfType;
    if (want === "wasm") require("@tensorflow/tfjs-backend-wasm");
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  const tf = tfModule;
  const name = want === "tensorflow-gpu" || want === "tensorflow" ? "tensorflow" : want;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend '${name}' failed to initialize`);
  await tf.ready();
  active = want;
  return { tf, backend: want };
}
