// Node-only: `testbedT` reads its corpus and lexicons from installed packages, so it and the list of built-in
// environment definitions (which includes it) live behind this entry; the root stays platform-free and builds T from
// a text model asset's bytes (`textTestbedFromBytes`).
export {
  TEXT_OBJECTIVES,
  type TextObjective,
  type TestbedTParams,
  TEXT_DEFAULTS,
  type TextInstance,
} from "./text/testbed-t";
export { testbedT } from "./text/testbed-t-node";
export { builtinEnvironments } from "./definitions";
