// "@gsh/preference/node": what needs Node's file system (reading and writing JSONL preference files). The package
// root stays platform-free so that it bundles for the browser.
export { readPreferencesJsonl, writePreferencesJsonl } from "./data/jsonl-files";
// Types of the root entry point that these signatures use, so the sub-entry's API report is self-contained.
export type { DatasetSchema, ReadOptions, ReadResult } from "./data/jsonl";
export type { PreferenceDataset } from "./data/dataset";
