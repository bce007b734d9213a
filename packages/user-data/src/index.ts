export { type UserProblem, candidatePrompts, maxCandidates } from "./problem";
export { type ReaderOptions, readUserProblem, ProblemBuilder } from "./read";
export { writeUserProblem } from "./write";
export { userProblemFromBandit } from "./from-bandit";
export { banditView } from "./bandit-view";
export {
  type FitOptions,
  type UserFit,
  type CrossValidation,
  fitUserModel,
  designCovariance,
  maxCandidateGap,
} from "./fit";
export { type UserPolicyOptions, type UserPolicy, type PolicyRow, userPolicy } from "./policy";
export { type SuggestOptions, type SuggestRule, type SuggestedPair, type Suggestion, suggestPairs } from "./suggest";
export { REWARD_MODEL_SCHEMA, REWARD_MODEL_VERSION, rewardModelToJson, rewardModelFromJson } from "./reward-model-json";
export { type Embedder, type EmbedInput, embedTextFile, hashedEmbedder } from "./embed";
export { HASHED_FEATURISER, HASHED_DEFAULT_DIM, fnv1a32, ngramHash, hashedFeatures, ngrams } from "./hashed-featuriser";
export { type EmbeddingInfo, candidateIdOut, outcomesOf } from "./problem";
export { type WriteOptions } from "./write";
export { type PairOutcomes, type OutcomeFit, davidsonLogProbs, fitOutcomes } from "./outcome-likelihood";
export { MAX_BATCH } from "./suggest";
export { type PolicyStats, type PolicySummary, policySummary } from "./policy-summary";
export { PYTHON_LOADER } from "./python-loader";
export { type DpoRow, labelledDpoRows, rankedDpoRows } from "./dpo-rows";
