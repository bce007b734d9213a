export * from "./offline-gshf";
export * from "./expected-pessimism";
