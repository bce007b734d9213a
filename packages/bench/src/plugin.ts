// The plugin API: the algorithm contract is @gsh/preference's (algorithms' packages implement it), the environment
// contract @gsh/testbeds'; re-exported here so a plugin imports everything from @gsh/bench.
export {
  z,
  type TrialBase,
  type FiniteTrialContext,
  type SequenceTrialContext,
  type TrialContext,
  type ContextFor,
  type TrialCosts,
  type AlgorithmOutput,
  type AlgorithmTrack,
  ALGORITHM_TRACKS,
  type EnvironmentShape,
  type UnsupportedOnKind,
  type AlgorithmDefinition,
  defineAlgorithm,
} from "@gsh/preference";
export { type EnvironmentDefinition, type InstanceFor, defineEnvironment } from "@gsh/testbeds";
