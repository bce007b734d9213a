export * from "./offline-gshf";
export * from "./expected-pessimism";
export * from "./offline-gshf-sequence";
