// TF.js-free: the neural policies and the backend choice are the separate entry point "@gsh/practical/neural".
export * from "./losses";
export * from "./pairs-data";
export * from "./policies";
export * from "./optimize";
export * from "./train";
export * from "./reward-model";
export * from "./policy-factory";
export * from "./rejection-sampling";
export * from "./dpo";
export * from "./rso";
export * from "./multi-step-rs";
export * from "./iterative-dpo";
export * from "./sequence/neural-types";
export * from "./sequence/log-linear-sequence-policy";
export * from "./sequence/sequence-algorithms";
