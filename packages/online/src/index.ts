export * from "./enhancer";
export * from "./exploration";
export * from "./online-gshf";
export * from "./online-gshf-sequence";
