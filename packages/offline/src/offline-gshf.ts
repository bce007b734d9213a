import * as E from "fp-ts/lib/Either";
import {
  GshException,
  type GshError,
  type Policy,
  gibbsPolicy,
  invalidArgument,
  linearReward,
  uniformWeights,
} from "@gsh/core";
import {
  type BanditProblem,
  type BradleyTerryFit,
  type GibbsFamily,
  Covariance,
  type PreferenceDataset,
  contextMean,
  finiteGibbsFamily,
  fitBradleyTerry,
  winnerMinusLoser,
} from "@gsh/preference";
import { solveExpectedPessimismOrError } from "./expected-pessimism";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

export type PessimismOption = "I" | "II";
/** ν(x) = φ(x, π0) per context, or its mean ν = E_x φ(x, π0) for all contexts. */
export type ReferenceVector = "per-context" | "global";

export interface OfflineGshfOptions {
  /** Confidence width β ≥ 0; β = 0 is the MLE-Gibbs policy (the idealization of DPO and RSO). */
  readonly beta: number;
  /** "II" (point-wise pessimism, default) or "I" (expected pessimism, solved through its dual). */
  readonly option?: PessimismOption;
  /** Ridge λ of the MLE and of Σ (default 1). */
  readonly lambda?: number;
  readonly referenceVector?: ReferenceVector;
  /** Constrain the MLE to ‖θ‖ ≤ B (the problem's normBound). Default false. */
  readonly constrainMle?: boolean;
}

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
}

/** β and the option, checked the same way by every offline variant (bandit, family, sequence). */
export function checkPessimism(beta: number, option: unknown = "II"): E.Either<GshError, PessimismOption> {
  if (!(beta >= 0) || !Number.isFinite(beta))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${beta}`));
  if (option !== "I" && option !== "II")
    return E.left(invalidArgument("option", `must be "I" or "II", got ${String(option)}`));
  return E.right(option);
}

/** The estimation step every offline variant shares: the BT MLE θ̂ and Σ_D = λI + Σ zzᵀ from the design rows. */
function estimate(
  Z: Float64Array,
  n: number,
  d: number,
  lambda: number,
  normBound?: number,
): E.Either<GshError, { readonly mle: BradleyTerryFit; readonly covariance: Covariance }> {
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

/** ν(x) = φ(x, π0) for every context, or the global mean repeated (X×d). */
export function referenceVector(problem: BanditProblem, kind: ReferenceVector): Float64Array {
  const family = finiteGibbsFamily(problem);
  const per = family.moments(new Float64Array(problem.dim)).features;
  if (kind === "per-context") return per;
  const mean = contextMean(family, per, problem.dim);
  const out = new Float64Array(per.length);
  for (let x = 0; x < problem.contexts; x++) out.set(mean, x * problem.dim);
  return out;
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

/**
 * Offline GSHF (spec §3): the BT MLE θ̂ and Σ_D = λI + Σ zzᵀ from the offline data, then
 * - Option II: the Gibbs policy of r̂ = <θ̂, φ> − β‖φ − ν(x)‖_{Σ⁻¹};
 * - Option I: argmax_π E_x[<θ̂, φ(x,π)> − ηKL] − β‖E_x φ(x,π) − ν‖_{Σ⁻¹}, exactly, via its convex dual.
 * With β = 0 both are the MLE-Gibbs policy.
 *
 * @example
 * const { data } = sampleOfflineData(world, 1000, seed);
 * const result = offlineGshf(world.problem, data, { beta: 1, option: "II" }); // Either<GshError, OfflineGshfResult>
 */
export function offlineGshf(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: OfflineGshfOptions,
): E.Either<GshError, OfflineGshfResult> {
  const beta = options.beta;
  const checked = checkPessimism(beta, options.option);
  if (E.isLeft(checked)) return checked;
  const option = checked.right;
  const lambda = options.lambda ?? 1;
  const nuKind = options.referenceVector ?? "per-context";
  const Z = designOf(data, problem.features);
  if (E.isLeft(Z)) return Z;
  const est = estimate(Z.right, data.size, problem.dim, lambda, options.constrainMle ? problem.normBound : undefined);
  if (E.isLeft(est)) return est;
  const { mle, covariance } = est.right;
  const nu = referenceVector(problem, nuKind);
  const base = { mle, covariance, beta, option, referenceVector: nuKind, nu };
  if (option === "II" || beta === 0) {
    const reward = pointwisePessimisticReward(problem, mle.theta, covariance, beta, nu);
    return E.right({ ...base, policy: gibbsPolicy(problem.reference, reward, problem.eta).policy, theta: mle.theta });
  }
  const family = finiteGibbsFamily(problem);
  const nuBar = contextMean(family, nu, problem.dim);
  const solved = solveExpectedPessimismOrError("offlineGshf/option-I dual", family, mle.theta, covariance, beta, nuBar);
  if (E.isLeft(solved)) return solved;
  const sol = solved.right;
  return E.right({
    ...base,
    policy: family.policyOf(sol.theta),
    theta: mle.theta,
    dual: { u: sol.u, theta: sol.theta, dualityGap: sol.dualityGap, iterations: sol.iterations },
  });
}

/**
 * The theorem's right-hand side for a comparator π (spec §3): Option II 2β·E_{x, a~π}‖φ(x,a) − ν(x)‖_{Σ⁻¹},
 * Option I 2β·‖E_x φ(x,π) − ν̄‖_{Σ⁻¹}. A bound on J(π) − J(π̂) only in runs where ‖θ̂ − θ*‖_Σ ≤ β held.
 */
export function pessimismBound(
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

export interface FamilyOfflineResult {
  /** The parameter whose Gibbs policy is the output: θ̂ (β = 0) or θ̂ − βu* (Option I). */
  readonly outputTheta: Float64Array;
  readonly mle: BradleyTerryFit;
  readonly covariance: Covariance;
  readonly dualityGap: number;
}

/**
 * MLE-Gibbs (β = 0) and Option I on any Gibbs family (e.g. the sequence bandit, where both stay Markov and are
 * evaluated exactly by the DP). Option II's bonus is not linear in φ, so it has no family form: run it on an
 * enumerated instance instead.
 */
export function offlineGshfOnFamily(
  family: GibbsFamily,
  Z: Float64Array,
  n: number,
  options: { readonly beta: number; readonly lambda?: number },
): E.Either<GshError, FamilyOfflineResult> {
  const { beta } = options;
  const checked = checkPessimism(beta);
  if (E.isLeft(checked)) return checked;
  const d = family.dim;
  const est = estimate(Z, n, d, options.lambda ?? 1);
  if (E.isLeft(est)) return est;
  const { mle, covariance } = est.right;
  if (beta === 0) return E.right({ outputTheta: mle.theta, mle, covariance, dualityGap: 0 });
  const nuBar = contextMean(family, family.moments(new Float64Array(d)).features, d);
  const solved = solveExpectedPessimismOrError(
    "offlineGshfOnFamily/option-I dual",
    family,
    mle.theta,
    covariance,
    beta,
    nuBar,
  );
  if (E.isLeft(solved)) return solved;
  const sol = solved.right;
  return E.right({ outputTheta: sol.theta, mle, covariance, dualityGap: sol.dualityGap });
}
