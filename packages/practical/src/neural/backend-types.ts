// What the backend choice is made of, shared by the Node and the browser variants of "@gsh/practical/neural".

/** TF.js backends in the order gsh prefers them (fastest first). */
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** What the selection looks at; injected in tests (the native branches cannot run on machines without libtensorflow). */
export interface BackendProbe {
  /** Is the package installed *and* its native binding (the `.node` file its install script builds) present? */
  hasNativeBinding(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): boolean;
  /** Can the wasm backend be loaded? */
  hasWasm(): boolean;
}
