export * from "./problem";
export * from "./preference-models";
export * from "./linear-bandit";
export * from "./testbeds";
export * from "./dataset";
export * from "./jsonl";
export * from "./bradley-terry";
export * from "./confidence";
