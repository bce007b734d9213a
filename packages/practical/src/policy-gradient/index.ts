// On-policy policy-gradient RLHF (REINFORCE, RLOO, GRPO, Dr. GRPO, REINFORCE++, PPO) with every KL configuration,
// the exact gradient audit and best-of-n, on the log-linear and tabular policy classes.
export * from "./kl-penalty";
export type { PolicyModel } from "./policy-model";
export { finitePolicyModel } from "./finite-models";
export { type SequenceModel, type FutureFeatures, logLinearSequenceModel, futureFeatures } from "./sequence-model";
export * from "./advantages";
export {
  type PgEnvironment,
  type PpoSettings,
  type LoopSettings,
  type LoopResult,
  type ValueTable,
  Batch,
  drawBatch,
  penaliseRewards,
  addLossGradient,
  tokenAdvantages,
  runPolicyGradient,
  sampledUpdate,
} from "./update-loop";
export {
  type TokenFunction,
  additiveCovariance,
  tokenLogRatio,
  mapTokenFunction,
  expectedTokenScore,
} from "./sequence-moments";
export * from "./exact-audit";
export * from "./best-of-n";
export {
  REWARD_SOURCES,
  type RewardSource,
  type RewardTable,
  rewardTable,
  gibbsSequenceSubopt,
  mleGibbsGaps,
} from "./reward-source";
export { type PgRunParams, runPgTrial, klConfigOf } from "./pg-run";
export { reinforceAlgorithm } from "./reinforce";
export { rlooAlgorithm } from "./rloo";
export { grpoAlgorithm } from "./grpo";
export { drGrpoAlgorithm } from "./dr-grpo";
export { reinforcePlusPlusAlgorithm } from "./reinforce-plus-plus";
export { ppoAlgorithm } from "./ppo";
export { pgAuditAlgorithm } from "./audit-algorithm";
export { bestOfNAlgorithm } from "./best-of-n-algorithm";
