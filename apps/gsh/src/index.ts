export * from "./cli";
