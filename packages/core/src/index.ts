// Named exports: the public API (etc/core.api.md). Module-internal helpers (dimension assertions, x·log(x/y), the
// row-sum tolerance) are not listed.
export { type GshError, invalidArgument, formatError, GshException, getOrThrow } from "./errors";
export { Rng, rowSamplers, AliasTable } from "./rng";
export {
  dot,
  quadraticForm,
  axpy,
  gemv,
  gemvT,
  transpose,
  syr,
  gemm,
  syrk,
  leftProduct,
  type LeftProduct,
} from "./blas";
export {
  cholesky,
  forwardSubstitute,
  backSubstitute,
  choleskySolve,
  choleskyRank1Update,
  solveLowerRows,
  invertLower,
  mahalanobisNorms,
} from "./cholesky";
export { type SymmetricEigen, symmetricEigen } from "./eigen";
export { logSumExp, softmaxInto, softmax, sigmoid, logSigmoid, softplus, sigmoidDerivative } from "./numerics";
export {
  type Policy,
  validatePolicy,
  makePolicy,
  uniformPolicy,
  uniformWeights,
  klRow,
  kl,
  totalVariation,
  entropy,
} from "./policy";
export { type FeatureMap, linearReward, expectedFeatures, meanExpectedFeatures } from "./features";
export {
  type GibbsResult,
  validateEta,
  gibbsPolicy,
  gibbsValue,
  objective,
  optimalObjective,
  suboptimality,
  klToReference,
  expectedReward,
} from "./gibbs";
export {
  upperIncompleteGammaQ,
  chiSquareQuantile,
  type ChiSquareResult,
  chiSquareTest,
  studentT975,
  type MeanSummary,
  summarize,
  type PairedVerdict,
  pairedVerdict,
} from "./stats";
export {
  type KlEstimates,
  KL_ESTIMATORS,
  type KlEstimatorName,
  klTerms,
  klEstimates,
  type KlEstimatorPoint,
  type KlEstimatorStudy,
  klEstimatorStudy,
  type KlEstimatorMoments,
  type LogRatioExpectations,
  klMomentsFromExpectations,
  finiteKlMoments,
  exactKlStudy,
} from "./kl-estimators";
export { type ConvexObjective, type BallMinimizerOptions, type BallMinimum, minimizeInBall } from "./optimize";
export { type TiltBatch, type TiltBatchInput, type TiltMoments, tiltBatch } from "./tilt";
export {
  type RowSums,
  type MarkovForwardInput,
  type WeightedRowSums,
  type CovarianceSweep,
  type GibbsBackwardInput,
  covarianceSweep,
  gibbsBackward,
  promptFeatures,
  rowSums,
  markovForward,
  markovSecondMoments,
  weightedRowSums,
} from "./markov-sweeps";
export { type PrefixTreeLeaves, prefixTreeLeaves } from "./prefix-tree";
export { type LogisticAccumulator, logisticAccumulator, pairLogisticAccumulator } from "./logistic-accumulator";
export { type KernelBackend, kernelBackend } from "./wasm/module";
export { type SearchPoint, largestFeasiblePoint, largestFeasibleRoot } from "./root-search";
