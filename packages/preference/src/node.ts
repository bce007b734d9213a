// "@gsh/preference/node": what needs Node's file system (reading and writing JSONL preference files). The package
// root stays platform-free so that it bundles for the browser.
export { readPreferencesJsonl, writePreferencesJsonl } from "./data/jsonl-files";
