// Node-only: testbed T reads its corpus and lexicons from installed packages, so it and the list of built-in
// environment definitions (which includes it) live behind this entry; the root stays platform-free.
export {
  TEXT_OBJECTIVES,
  type TextObjective,
  type TestbedTParams,
  TEXT_DEFAULTS,
  type TextInstance,
  testbedT,
} from "./text/testbed-t";
export { builtinEnvironments } from "./definitions";
