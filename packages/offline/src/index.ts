// The public API, named: what users and the other packages call. Helpers stay internal to their modules.
export {
  type FamilyOfflineResult,
  type OfflineGshfOptions,
  type OfflineGshfParams,
  type OfflineGshfResult,
  type OfflineProblem,
  type PessimismOption,
  type ReferenceVector,
  type SequenceOfflineGshfResult,
  offlineAlgorithms,
  offlineGshf,
  offlineGshfAlgorithm,
  offlineGshfOnFamily,
  offlineGshfParams,
  offlineGshfSequence,
  pessimismBound,
  pointwisePessimisticReward,
  referenceVector,
  sequencePessimismBound,
} from "./offline-gshf";
export {
  type ExpectedPessimismSolution,
  expectedPessimismObjective,
  solveExpectedPessimism,
  solveExpectedPessimismOrError,
} from "./expected-pessimism";
