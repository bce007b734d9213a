export * from "./enhancer";
export * from "./exploration";
export * from "./rule-helpers";
export * from "./posterior-sampling";
export * from "./xpo";
export * from "./active-learning";
export * from "./online-gshf";
export * from "./online-gshf-sequence";
