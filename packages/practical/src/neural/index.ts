// "@gsh/practical/neural": the TF.js policies (an optional peer dependency: install @tensorflow/tfjs, and
// @tensorflow/tfjs-backend-wasm or tfjs-node for speed) and the backend choice.
export * from "./backend";
export * from "./dense";
export * from "./sequence-policy";
export * from "./mlp-policy";
export * from "./recurrent-policy";
