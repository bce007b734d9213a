import * as E from "fp-ts/lib/Either";
import {
  GshException,
  type GshError,
  type Policy,
  getOrThrow,
  gibbsPolicy,
  invalidArgument,
  linearReward,
  uniformWeights,
  validateEta,
} from "@gsh/core";
import {
  type AlgorithmDefinition,
  type AlgorithmOutput,
  type BanditProblem,
  type BradleyTerryFit,
  Covariance,
  ENUMERATION_LIMIT,
  type EnvironmentShape,
  type FactoredGibbsPolicy,
  type GibbsFamily,
  type MarkovPolicy,
  type PreferenceDataset,
  type SequencePolicy,
  type SequenceProblem,
  type TrialContext,
  betaSpec,
  contextMean,
  defineAlgorithm,
  expectedSequenceFeatures,
  finiteGibbsFamily,
  fitBradleyTerry,
  gibbsRows,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  markovRows,
  referenceMarkovRows,
  resolveBeta,
  sequenceGibbsFamily,
  winnerMinusLoser,
  z,
} from "@gsh/preference";
import { type ExpectedPessimismSolution, solveExpectedPessimismOrError } from "./expected-pessimism";
import { expectedDeviationEnumerated, optionIIEnumerated } from "./sequence-enumeration";

// Offline GSHF (spec §3), written once for every environment kind: the estimation step (BT MLE θ̂, Σ_D), the choice
// between point-wise pessimism (Option II, and β = 0) and expected pessimism (Option I, solved through its dual on
// the kind's Gibbs family) are shared; what differs by kind is a small set of steps (`KindSteps`): where the design
// rows come from, ν(x), and how a policy is formed (a table on finite actions; the factored Gibbs policy, exact by
// the DP, or Option II's enumeration on sequences). The benchmark's definition (`offlineGshfAlgorithm`) is at the end.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

export type PessimismOption = "I" | "II";
/** ν(x) = φ(x, π0) per context, or its mean ν = E_x φ(x, π0) for all contexts. */
export type ReferenceVector = "per-context" | "global";
/** The environments offline GSHF runs on: a finite-action bandit or the sequence bandit (policies over Vᴸ tokens). */
export type OfflineProblem = BanditProblem | SequenceProblem;

export interface OfflineGshfOptions {
  /** Confidence width β ≥ 0; β = 0 is the MLE-Gibbs policy (the idealization of DPO and RSO). */
  readonly beta: number;
  /** "II" (point-wise pessimism, default) or "I" (expected pessimism, solved through its dual). */
  readonly option?: PessimismOption;
  /** Ridge λ of the MLE and of Σ (default 1). */
  readonly lambda?: number;
  /** ν(x) per context (default) or its mean for all contexts (Option II's bonus; Option I uses only the mean). */
  readonly referenceVector?: ReferenceVector;
  /** Constrain the MLE to ‖θ‖ ≤ B (the problem's normBound). Default false. */
  readonly constrainMle?: boolean;
}

/** What offline GSHF returns on a finite-action bandit. */
export interface OfflineGshfResult {
  readonly policy: Policy;
  readonly theta: Float64Array;
  readonly mle: BradleyTerryFit;
  readonly covariance: Covariance;
  readonly beta: number;
  readonly option: PessimismOption;
  readonly referenceVector: ReferenceVector;
  /** ν(x) per context (X×d) as used; for Option I only its mean matters. */
  readonly nu: Float64Array;
  /** Option I only: the dual solution and its duality gap certificate. */
  readonly dual?: {
    readonly u: Float64Array;
    readonly theta: Float64Array;
    readonly dualityGap: number;
    readonly iterations: number;
  };
  /** Option I's duality gap (β > 0), else null. */
  readonly dualityGap: number | null;
}

/** What offline GSHF returns on the sequence bandit. */
export interface SequenceOfflineGshfResult {
  readonly policy: SequencePolicy;
  readonly mle: BradleyTerryFit;
  /** The parameter whose Gibbs policy is the output (θ̂, or θ̂ − βu* for Option I); null for Option II. */
  readonly outputTheta: Float64Array | null;
  readonly covariance: Covariance;
  readonly beta: number;
  readonly option: PessimismOption;
  /** Which ν(x) Option II's bonus used (per prompt, or their mean for all prompts). */
  readonly referenceVector: ReferenceVector;
  /** ν(x) = φ(x, π0) per prompt (X×d), or its mean repeated (`referenceVector: "global"`). */
  readonly nu: Float64Array;
  /** Option I's duality gap (β > 0), else null. */
  readonly dualityGap: number | null;
}

const isSequence = (problem: OfflineProblem): problem is SequenceProblem => "vocab" in problem;

/** β, the option and the reference vector, checked the same way by every offline variant (bandit, family, sequence). */
export function checkPessimism(
  beta: number,
  option: unknown = "II",
  referenceVector: unknown = "per-context",
): E.Either<GshError, PessimismOption> {
  if (!(beta >= 0) || !Number.isFinite(beta))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${beta}`));
  if (option !== "I" && option !== "II")
    return E.left(invalidArgument("option", `must be "I" or "II", got ${String(option)}`));
  if (referenceVector !== "per-context" && referenceVector !== "global")
    return E.left(
      invalidArgument("referenceVector", `must be "per-context" or "global", got ${String(referenceVector)}`),
    );
  return E.right(option);
}

interface Fit {
  readonly mle: BradleyTerryFit;
  readonly covariance: Covariance;
}

/**
 * The estimation step every offline variant shares: the BT MLE θ̂ and Σ_D = λI + Σ zzᵀ from the n design rows.
 * A count that is not a whole number ≥ 0, or a non-finite design entry, is refused naming `n` or `field` (what the
 * rows come from).
 */
function estimate(
  Z: Float64Array,
  n: number,
  d: number,
  lambda: number,
  normBound: number | undefined,
  field: string,
): E.Either<GshError, Fit> {
  if (!(Number.isInteger(n) && n >= 0))
    return E.left(invalidArgument("n", `the number of records must be a whole number ≥ 0, got ${n}`));
  const m = Math.min(Z.length, n * d);
  for (let i = 0; i < m; i++)
    if (!Number.isFinite(Z[i]))
      return E.left(
        invalidArgument(field, `design row ${Math.floor(i / d)} (φ(winner) − φ(loser)) has a non-finite entry`),
      );
  const fitted = fitBradleyTerry(Z, n, d, { lambda, normBound });
  if (E.isLeft(fitted)) return fitted;
  const covariance = new Covariance(d, lambda);
  covariance.addRows(Z, n);
  return E.right({ mle: fitted.right, covariance });
}

/** The BT design z = φ(winner) − φ(loser), with the dataset's indices and features checked against the problem. */
export function designOf(
  data: PreferenceDataset,
  features: BanditProblem["features"] | null,
): E.Either<GshError, Float64Array> {
  try {
    return E.right(winnerMinusLoser(data, features));
  } catch (e) {
    if (e instanceof GshException) return E.left(e.error);
    throw e;
  }
}

/** ν(x) as used: the per-context rows `perContext` (X×d), or their d0-mean repeated for every context. */
function asReference(family: GibbsFamily, perContext: Float64Array, kind: ReferenceVector): Float64Array {
  if (kind === "per-context") return perContext;
  const mean = contextMean(family, perContext, family.dim);
  const out = new Float64Array(perContext.length);
  for (let x = 0; x < family.contexts; x++) out.set(mean, x * family.dim);
  return out;
}

/** ν̄ = E_x φ(x, π0): π0 is the family's member θ = 0. */
function familyMeanReference(family: GibbsFamily): Float64Array {
  return contextMean(family, family.moments(new Float64Array(family.dim)).features, family.dim);
}

/** ν(x) = φ(x, π0) for every context, or the global mean repeated (X×d). */
export function referenceVector(problem: BanditProblem, kind: ReferenceVector): Float64Array {
  const family = finiteGibbsFamily(problem);
  return asReference(family, family.moments(new Float64Array(problem.dim)).features, kind);
}

/** φ(x, a) − ν(x) for every (x, a): the vectors whose ‖·‖_{Σ⁻¹} is Option II's bonus (X·A × d). */
export function deviationsFromReference(problem: BanditProblem, nu: Float64Array): Float64Array {
  const { contexts: X, actions: A, dim: d, features } = problem;
  const V = new Float64Array(X * A * d);
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++) {
      const o = (x * A + a) * d;
      for (let k = 0; k < d; k++) V[o + k] = features.values[o + k] - nu[x * d + k];
    }
  return V;
}

/** r̂(x,a) = <θ̂, φ(x,a)> − β‖φ(x,a) − ν(x)‖_{Σ⁻¹} (Option II's pessimistic reward), as X×A. */
export function pointwisePessimisticReward(
  problem: BanditProblem,
  theta: Float64Array,
  cov: Covariance,
  beta: number,
  nu: Float64Array,
): Float64Array {
  const { contexts: X, actions: A, features } = problem;
  const reward = linearReward(features, theta);
  if (beta === 0) return reward;
  const bonus = cov.norms(deviationsFromReference(problem, nu), X * A);
  for (let i = 0; i < X * A; i++) reward[i] -= beta * bonus[i];
  return reward;
}

/** The settings of one run, checked. */
interface Settings {
  readonly beta: number;
  readonly option: PessimismOption;
  readonly lambda: number;
  readonly normBound: number | undefined;
  /** Names the Option I solver in a ConvergenceError. */
  readonly solver: string;
}

/**
 * What offline GSHF needs of an environment kind beyond its Gibbs family: everything else is `runOffline`, the same
 * for every kind.
 */
interface KindSteps<R> {
  readonly family: GibbsFamily;
  /** Why these settings cannot run on this problem (checked before any fitting), or null. */
  refuse(option: PessimismOption, beta: number): GshError | null;
  /** The n design rows z = φ(winner) − φ(loser) (n×d), checked against the problem. */
  design(): E.Either<GshError, Float64Array>;
  /** The field a non-finite design entry is blamed on. */
  readonly designField: string;
  /** ν̄, Option I's reference in its dual. */
  meanReference(): Float64Array;
  /** β = 0 and Option II: the Gibbs policy of the point-wise pessimistic reward. */
  pointwise(fit: Fit, beta: number, option: PessimismOption): R;
  /** Option I: the Gibbs policy of θ̂ − βu*. */
  expected(fit: Fit, beta: number, solution: ExpectedPessimismSolution): R;
}

/** Offline GSHF on any kind: check, estimate, then point-wise (β = 0, Option II) or expected pessimism (Option I). */
function runOffline<R>(steps: KindSteps<R>, n: number, s: Settings): E.Either<GshError, R> {
  const refusal = steps.refuse(s.option, s.beta);
  if (refusal !== null) return E.left(refusal);
  const Z = steps.design();
  if (E.isLeft(Z)) return Z;
  const fitted = estimate(Z.right, n, steps.family.dim, s.lambda, s.normBound, steps.designField);
  if (E.isLeft(fitted)) return fitted;
  const fit = fitted.right;
  if (s.option === "II" || s.beta === 0) return E.right(steps.pointwise(fit, s.beta, s.option));
  const solved = solveExpectedPessimismOrError(
    s.solver,
    steps.family,
    fit.mle.theta,
    fit.covariance,
    s.beta,
    steps.meanReference(),
  );
  if (E.isLeft(solved)) return solved;
  return E.right(steps.expected(fit, s.beta, solved.right));
}

/** Finite actions: ν(x) from π0's table; Option II (and β = 0) as the Gibbs policy of the table r̂. */
function banditSteps(
  problem: BanditProblem,
  data: PreferenceDataset,
  nuKind: ReferenceVector,
): KindSteps<OfflineGshfResult> {
  const family = finiteGibbsFamily(problem);
  let nuCache: Float64Array | undefined;
  const nu = () => (nuCache ??= referenceVector(problem, nuKind));
  const base = (fit: Fit, beta: number, option: PessimismOption) => ({
    mle: fit.mle,
    covariance: fit.covariance,
    beta,
    option,
    referenceVector: nuKind,
    nu: nu(),
    theta: fit.mle.theta,
  });
  return {
    family,
    refuse: () => null,
    design: () => designOf(data, problem.features),
    designField: "features",
    meanReference: () => contextMean(family, nu(), problem.dim),
    pointwise(fit, beta, option) {
      const reward = pointwisePessimisticReward(problem, fit.mle.theta, fit.covariance, beta, nu());
      const policy = gibbsPolicy(problem.reference, reward, problem.eta).policy;
      return { ...base(fit, beta, option), policy, dualityGap: null };
    },
    expected(fit, beta, sol) {
      return {
        ...base(fit, beta, "I"),
        policy: family.policyOf(sol.theta),
        dual: { u: sol.u, theta: sol.theta, dualityGap: sol.dualityGap, iterations: sol.iterations },
        dualityGap: sol.dualityGap,
      };
    },
  };
}

/**
 * Sequences: records carry their features; β = 0 and Option I are Gibbs-family members (factored, exact by the DP);
 * Option II's policy is not Markov and is enumerated over the Vᴸ responses (refused above `ENUMERATION_LIMIT`).
 */
function sequenceSteps(
  problem: SequenceProblem,
  data: PreferenceDataset,
  nuKind: ReferenceVector,
): KindSteps<SequenceOfflineGshfResult> {
  const family = sequenceGibbsFamily(problem);
  let nuCache: Float64Array | undefined;
  const nu = () => (nuCache ??= asReference(family, referenceFeatures(problem), nuKind));
  const result = (
    fit: Fit,
    beta: number,
    option: PessimismOption,
    policy: SequencePolicy,
    outputTheta: Float64Array | null,
    dualityGap: number | null,
  ): SequenceOfflineGshfResult => ({
    policy,
    mle: fit.mle,
    outputTheta,
    covariance: fit.covariance,
    beta,
    option,
    referenceVector: nuKind,
    // Formed when first read: β = 0 never reads it (T-2048: 10 s of dense passes over π0's rows).
    get nu() {
      return nu();
    },
    dualityGap,
  });
  const gibbsOf = (theta: Float64Array) => gibbsSequencePolicy(linearSequenceGibbs(problem, theta));
  return {
    family,
    refuse(option, beta) {
      if (data.featureDim !== problem.dim)
        return invalidArgument(
          "data",
          `records carry ${data.featureDim}-dimensional features, the problem has d = ${problem.dim}`,
        );
      const reason = optionIIRefusal(option, beta > 0, problem.vocab ** problem.length);
      return reason === null ? null : invalidArgument("option", reason);
    },
    design: () => designOf(data, null),
    designField: "data",
    meanReference: () => familyMeanReference(family),
    pointwise(fit, beta, option) {
      const theta = fit.mle.theta;
      return beta === 0
        ? result(fit, beta, option, gibbsOf(theta), theta, null)
        : result(fit, beta, option, optionIIEnumerated(problem, theta, fit.covariance, beta, nu()), null, null);
    },
    expected(fit, beta, sol) {
      return result(fit, beta, "I", gibbsOf(sol.theta), sol.theta, sol.dualityGap);
    },
  };
}

/** φ(x, π0) per prompt of each problem seen (a table's ν does not change; callers get a copy). */
const referenceFeatureCache = new WeakMap<SequenceProblem, Float64Array>();

/** ν(x) = φ(x, π0) for every prompt, computed once per problem by the DP over π0's rows. */
function referenceFeatures(problem: SequenceProblem): Float64Array {
  let nu = referenceFeatureCache.get(problem);
  if (nu === undefined) {
    nu = expectedSequenceFeatures(problem, referenceMarkovRows(problem));
    referenceFeatureCache.set(problem, nu);
  }
  return Float64Array.from(nu);
}

/** Why Option II with β > 0 cannot run with `responses` per prompt (Vᴸ on sequences; undefined: unknown), or null. */
function optionIIRefusal(option: PessimismOption, betaPositive: boolean, responses: number | undefined) {
  if (option !== "II" || !betaPositive) return null;
  if (responses !== undefined && responses <= ENUMERATION_LIMIT) return null;
  const count = responses === undefined ? "an unknown number of" : String(responses);
  return `Option II's policy is not Markov and is enumerated over the responses of each prompt; ${count} responses per prompt exceed the limit ${ENUMERATION_LIMIT}: use Option I (Markov, exact) on this size`;
}

/**
 * Offline GSHF (spec §3) on a finite-action bandit or on the sequence bandit: the BT MLE θ̂ and Σ_D = λI + Σ zzᵀ
 * from the offline data, then
 * - Option II: the Gibbs policy of r̂ = <θ̂, φ> − β‖φ − ν(x)‖_{Σ⁻¹} (on sequences not Markov: enumerated over the
 *   Vᴸ responses, refused above `ENUMERATION_LIMIT` with an `InvalidArgument` naming `option`);
 * - Option I: argmax_π E_x[<θ̂, φ(x,π)> − ηKL] − β‖E_x φ(x,π) − ν‖_{Σ⁻¹}, exactly, via its convex dual (on
 *   sequences Markov, exact by the DP at any size).
 * With β = 0 both are the MLE-Gibbs policy. Invalid inputs (η, β, λ, the option, data that do not fit the problem,
 * non-finite features) are refused with an `InvalidArgument` naming the field.
 *
 * @example
 * const { data } = sampleOfflineData(world, 1000, seed);
 * const result = offlineGshf(world.problem, data, { beta: 1, option: "II" }); // Either<GshError, OfflineGshfResult>
 * const seq = offlineGshf(testbedS(0).problem, sequenceData, { beta: 1, option: "I" }); // SequenceOfflineGshfResult
 */
export function offlineGshf(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
): E.Either<GshError, OfflineGshfResult>;
/** Offline GSHF on the sequence bandit (records carry their features; policies are Markov or enumerated). */
export function offlineGshf(
  problem: SequenceProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
): E.Either<GshError, SequenceOfflineGshfResult>;
/** Offline GSHF on a problem of either kind, the result of that kind. */
export function offlineGshf(
  problem: OfflineProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
): E.Either<GshError, OfflineGshfResult | SequenceOfflineGshfResult>;
export function offlineGshf(
  problem: OfflineProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
): E.Either<GshError, OfflineGshfResult | SequenceOfflineGshfResult> {
  const eta = validateEta(problem.eta);
  if (E.isLeft(eta)) return eta;
  const nuKind = options.referenceVector ?? "per-context";
  const checked = checkPessimism(options.beta, options.option, nuKind);
  if (E.isLeft(checked)) return checked;
  const settings: Settings = {
    beta: options.beta,
    option: checked.right,
    lambda: options.lambda ?? 1,
    normBound: options.constrainMle ? problem.normBound : undefined,
    solver: "offlineGshf/option-I dual",
  };
  return isSequence(problem)
    ? runOffline(sequenceSteps(problem, data, nuKind), data.size, settings)
    : runOffline(banditSteps(problem, data, nuKind), data.size, settings);
}

/** @deprecated use `offlineGshf`, which takes a `SequenceProblem` too */
export const offlineGshfSequence: (
  problem: SequenceProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
) => E.Either<GshError, SequenceOfflineGshfResult> = offlineGshf;

export interface FamilyOfflineResult {
  /** The parameter whose Gibbs policy is the output: θ̂ (β = 0) or θ̂ − βu* (Option I). */
  readonly outputTheta: Float64Array;
  readonly mle: BradleyTerryFit;
  readonly covariance: Covariance;
  readonly dualityGap: number;
}

/**
 * MLE-Gibbs (β = 0) and Option I on any Gibbs family, from n design rows Z (n×d) the caller formed (e.g. the
 * sequence bandit, where both stay Markov and are evaluated exactly by the DP). Option II's bonus is not linear in
 * φ, so it has no family form: `offlineGshf` runs it on a problem. η, β, λ, n and non-finite rows are refused with
 * an `InvalidArgument` naming the field.
 */
export function offlineGshfOnFamily(
  family: GibbsFamily,
  Z: Float64Array,
  n: number,
  options: { readonly beta: number; readonly lambda?: number },
): E.Either<GshError, FamilyOfflineResult> {
  const eta = validateEta(family.eta);
  if (E.isLeft(eta)) return eta;
  const checked = checkPessimism(options.beta);
  if (E.isLeft(checked)) return checked;
  const result = (fit: Fit, outputTheta: Float64Array, dualityGap: number): FamilyOfflineResult => ({
    outputTheta,
    mle: fit.mle,
    covariance: fit.covariance,
    dualityGap,
  });
  const steps: KindSteps<FamilyOfflineResult> = {
    family,
    refuse: () => null,
    design: () => E.right(Z),
    designField: "Z",
    meanReference: () => familyMeanReference(family),
    pointwise: (fit) => result(fit, fit.mle.theta, 0), // β = 0 only: Option I is the family's one pessimism
    expected: (fit, _beta, sol) => result(fit, sol.theta, sol.dualityGap),
  };
  return runOffline(steps, n, {
    beta: options.beta,
    option: "I",
    lambda: options.lambda ?? 1,
    normBound: undefined,
    solver: "offlineGshfOnFamily/option-I dual",
  });
}

/**
 * The theorem's right-hand side for a comparator π (spec §3): Option II 2β·E_{x, a~π}‖φ(x,a) − ν(x)‖_{Σ⁻¹},
 * Option I 2β·‖E_x φ(x,π) − ν̄‖_{Σ⁻¹}. A bound on J(π) − J(π̂) only in runs where ‖θ̂ − θ*‖_Σ ≤ β held.
 * On a bandit the expectation over x uses `weights` (default uniform); on the sequence bandit the problem's d0 and
 * a Markov comparator (Option I by the DP; Option II by enumeration within `ENUMERATION_LIMIT`, else NaN).
 */
export function pessimismBound(
  problem: BanditProblem,
  result: OfflineGshfResult,
  comparator: Policy,
  weights?: Float64Array,
): number;
/** The bound on the sequence bandit, for a Markov comparator (factored or as a table). */
export function pessimismBound(
  problem: SequenceProblem,
  result: SequenceOfflineGshfResult,
  comparator: MarkovPolicy | FactoredGibbsPolicy,
): number;
export function pessimismBound(
  problem: OfflineProblem,
  result: OfflineGshfResult | SequenceOfflineGshfResult,
  comparator: Policy | MarkovPolicy | FactoredGibbsPolicy,
  weights?: Float64Array,
): number {
  return isSequence(problem)
    ? sequenceBound(problem, result as SequenceOfflineGshfResult, comparator as MarkovPolicy | FactoredGibbsPolicy)
    : banditBound(problem, result as OfflineGshfResult, comparator as Policy, weights);
}

/** @deprecated use `pessimismBound`, which takes a `SequenceProblem` too */
export const sequencePessimismBound: (
  problem: SequenceProblem,
  result: SequenceOfflineGshfResult,
  comparator: MarkovPolicy | FactoredGibbsPolicy,
) => number = pessimismBound;

function banditBound(
  problem: BanditProblem,
  result: OfflineGshfResult,
  comparator: Policy,
  weights = uniformWeights(problem.contexts),
): number {
  const { contexts: X, actions: A, dim: d, features } = problem;
  const { beta, covariance: cov, nu } = result;
  if (result.option === "II") {
    const norms = cov.norms(deviationsFromReference(problem, nu), X * A);
    let s = 0;
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++) s += weights[x] * comparator.probs[x * A + a] * norms[x * A + a];
    return 2 * beta * s;
  }
  const diff = new Float64Array(d);
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++) {
      const p = weights[x] * comparator.probs[x * A + a];
      for (let k = 0; k < d; k++) diff[k] += p * (features.values[(x * A + a) * d + k] - nu[x * d + k]);
    }
  return 2 * beta * cov.norm(diff);
}

function sequenceBound(
  problem: SequenceProblem,
  result: SequenceOfflineGshfResult,
  comparator: MarkovPolicy | FactoredGibbsPolicy,
): number {
  const { dim: d } = problem;
  const { beta, covariance: cov } = result;
  if (beta === 0) return 0;
  const nu = result.nu; // after the check: β = 0 never forms ν
  if (result.option === "I") {
    const rows = "probs" in comparator ? markovRows(comparator) : gibbsRows(comparator);
    const family = sequenceGibbsFamily(problem);
    const mean = contextMean(family, expectedSequenceFeatures(problem, rows), d);
    const nuBar = contextMean(family, nu, d);
    return 2 * beta * cov.norm(mean.map((v, k) => v - nuBar[k]));
  }
  if (problem.vocab ** problem.length > ENUMERATION_LIMIT) return Number.NaN;
  return 2 * beta * expectedDeviationEnumerated(problem, cov, nu, comparator);
}

// ---- The benchmark's definition: parameters with their defaults, and which pairings it refuses. ----

/** The benchmark's parameters of offline GSHF, with their defaults (β a number, "sqrt-d" or the theory's β(δ)). */
export const offlineGshfParams = z
  .object({
    beta: betaSpec.default(0),
    option: z.enum(["I", "II"]).default("II"),
    lambda: z.number().positive().default(1),
    /** The offline data's behaviour policy (finite environments; sequences have π0 data only). */
    behaviour: z.enum(["reference", "skewed", "uniform"]).default("reference"),
    referenceVector: z.enum(["per-context", "global"]).default("per-context"),
  })
  .strict();
/** Parsed parameters (defaults filled in). */
export type OfflineGshfParams = z.output<typeof offlineGshfParams>;

/** Why offline GSHF with these parameters cannot run on an environment of this shape, or null. */
function unsupportedOn(shape: EnvironmentShape, p: OfflineGshfParams): string | null {
  if (shape.kind !== "sequence") return null;
  if (p.behaviour !== "reference") return "sequence environments have π0 offline data only (behaviour: reference)";
  // every β spec but the number 0 is > 0 ("sqrt-d": √d; the theory's β(δ) has c > 0)
  return optionIIRefusal(p.option, p.beta !== 0, shape.responsesPerPrompt);
}

const shapeOf = (ctx: TrialContext): EnvironmentShape => ({
  kind: ctx.kind,
  responsesPerPrompt: ctx.kind === "sequence" ? ctx.problem.vocab ** ctx.problem.length : ctx.problem.actions,
});

/** The row fields both kinds report: the policy, the confidence set, the MLE's iterations and Option I's gap. */
function outputOf(r: OfflineGshfResult | SequenceOfflineGshfResult, lambda: number) {
  return {
    policy: r.policy,
    confidence: { theta: r.mle.theta, covariance: r.covariance.matrix, beta: r.beta, lambda },
    diagnostics: { mleIterations: r.mle.iterations, dualityGap: r.dualityGap },
  };
}

/** Offline GSHF for the benchmark: the offline data are `budget` pairs from the behaviour policy. */
export const offlineGshfAlgorithm = defineAlgorithm({
  name: "offline-gshf",
  track: "theory",
  description:
    "offline GSHF: BT MLE on `budget` offline pairs, then Option I/II pessimism with width β (β = 0: MLE-Gibbs, the idealization of DPO/RSO)",
  params: offlineGshfParams,
  supports: ["bandit", "non-transitive", "sequence"],
  unsupported: unsupportedOn,
  run(ctx, p): AlgorithmOutput {
    const refusal = unsupportedOn(shapeOf(ctx), p);
    if (refusal !== null) throw new Error(`offline-gshf is unsupported on this ${ctx.kind} environment: ${refusal}`);
    const options = {
      beta: resolveBeta(p.beta, ctx.problem, p.lambda),
      option: p.option,
      lambda: p.lambda,
      referenceVector: p.referenceVector,
    };
    if (ctx.kind === "sequence") {
      const r = getOrThrow(offlineGshf(ctx.problem, ctx.offlineData(ctx.budget).data, options));
      return {
        ...outputOf(r, p.lambda),
        bound: (comparator) => pessimismBound(ctx.problem, r, comparator as FactoredGibbsPolicy),
      };
    }
    const r = getOrThrow(offlineGshf(ctx.problem, ctx.offlineData(ctx.budget, p.behaviour), options));
    return {
      ...outputOf(r, p.lambda),
      // β = 0 is the MLE-Gibbs policy: the Gibbs policy of θ̂ itself
      ...(r.beta === 0 ? { policyParameters: { theta: r.mle.theta, lambda: p.lambda, eta: ctx.problem.eta } } : {}),
      bound: (comparator) => pessimismBound(ctx.problem, r, comparator as Policy),
    };
  },
});

/** The offline track's algorithms, for the benchmark's registry. */
export const offlineAlgorithms: readonly AlgorithmDefinition[] = [offlineGshfAlgorithm] as AlgorithmDefinition[];
