// The public API, named: what users and the other packages call. Helpers stay internal to their modules.
export {
  type FamilyOfflineResult,
  type OfflineGshfOptions,
  type OfflineGshfResult,
  type PessimismOption,
  type ReferenceVector,
  offlineGshf,
  offlineGshfOnFamily,
  pessimismBound,
  pointwisePessimisticReward,
  referenceVector,
} from "./offline-gshf";
export {
  type ExpectedPessimismSolution,
  expectedPessimismObjective,
  solveExpectedPessimism,
  solveExpectedPessimismOrError,
} from "./expected-pessimism";
export { type SequenceOfflineGshfResult, offlineGshfSequence, sequencePessimismBound } from "./offline-gshf-sequence";
