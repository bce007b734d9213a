export * from "./enhancer";
export * from "./exploration";
export * from "./online-gshf";
