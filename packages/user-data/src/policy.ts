import * as E from "fp-ts/lib/Either";
import { type GshError, gibbsPolicy, invalidArgument, linearReward } from "@gsh/core";
import { Covariance, contextMean, finiteGibbsFamily } from "@gsh/preference";
import { pointwisePessimisticReward, referenceVector, solveExpectedPessimismOrError } from "@gsh/offline";
import { banditView } from "./bandit-view";
import type { UserFit } from "./fit";
import type { UserProblem } from "./problem";

export interface UserPolicyOptions {
  /** The KL coefficient η of the objective. */
  readonly eta: number;
  /**
   * The confidence width: a number (in the Σ_D-norm, as offline GSHF takes it), "asymptotic" (the fit's
   * √χ²_{d,1−δ}, with the bonus in the H-norm it is a radius of) or "worst-case" (the fit's theory radius, Σ_D-norm;
   * needs a fit made with a norm bound). 0 gives the MLE-Gibbs policy.
   */
  readonly beta: number | "asymptotic" | "worst-case";
  /** "II" (point-wise pessimism, default) or "I" (expected pessimism, exact through its dual). */
  readonly option?: "I" | "II";
}

/** One candidate of the output policy. */
export interface PolicyRow {
  readonly prompt: string;
  readonly candidate: string;
  /** π̂(candidate | prompt). */
  readonly probability: number;
  /** π0(candidate | prompt). */
  readonly reference: number;
  /** The fitted reward <θ̂, φ>. */
  readonly reward: number;
  /** What pessimism subtracts: β‖φ − ν(x)‖ (Option II), or <θ̂ − θ_out, φ> (Option I's tilt). */
  readonly bonus: number;
  /** reward − bonus: the reward whose Gibbs policy is π̂. */
  readonly pessimisticReward: number;
}

export interface UserPolicy {
  readonly option: "I" | "II";
  readonly beta: number;
  readonly betaSource: "given" | "asymptotic" | "worst-case";
  readonly rows: readonly PolicyRow[];
}

function resolveBeta(
  fit: UserFit,
  beta: UserPolicyOptions["beta"],
): E.Either<GshError, { value: number; cov: Covariance; source: UserPolicy["betaSource"] }> {
  const d = fit.dim;
  const design = () => Covariance.fromMatrix(d, fit.lambda, 1, fit.designCovariance, fit.pairs);
  if (beta === "asymptotic")
    return E.right({
      value: fit.radius.asymptotic,
      cov: Covariance.fromMatrix(d, fit.lambda, 1, fit.hessian, fit.pairs),
      source: "asymptotic",
    });
  if (beta === "worst-case") {
    if (!fit.radius.worstCase)
      return E.left(invalidArgument("beta", "worst-case needs a fit made with a norm bound (--norm-bound)"));
    return E.right({ value: fit.radius.worstCase.value, cov: design(), source: "worst-case" });
  }
  if (!(typeof beta === "number" && beta >= 0 && Number.isFinite(beta)))
    return E.left(
      invalidArgument("beta", `must be a finite number ≥ 0, "asymptotic" or "worst-case", got ${String(beta)}`),
    );
  return E.right({ value: beta, cov: design(), source: "given" });
}

/**
 * The pessimistic (offline GSHF) policy over the user's candidates: the Gibbs policy π0·exp(r̂/η) of the fitted
 * reward with a confidence bonus subtracted, point-wise (Option II: r̂ = <θ̂, φ> − β‖φ − φ(x, π0)‖_{Σ⁻¹}) or in
 * expectation (Option I, solved exactly through its dual). One row per candidate.
 */
export function userPolicy(p: UserProblem, fit: UserFit, options: UserPolicyOptions): E.Either<GshError, UserPolicy> {
  const { eta } = options;
  if (!(eta > 0 && Number.isFinite(eta)))
    return E.left(invalidArgument("eta", `must be a finite number > 0, got ${eta}`));
  const option = options.option ?? "II";
  if (option !== "I" && option !== "II")
    return E.left(invalidArgument("option", `must be "I" or "II", got ${String(option)}`));
  if (fit.dim !== p.dim || fit.theta.length !== p.dim)
    return E.left(
      invalidArgument("model", `the model has dimension ${fit.dim} (θ of ${fit.theta.length}), the data ${p.dim}`),
    );
  const b = resolveBeta(fit, options.beta);
  if (E.isLeft(b)) return b;
  const { value: beta, cov, source } = b.right;
  const bandit = banditView(p, eta);
  const { contexts: X, actions: A, dim: d } = bandit;
  const reward = linearReward(bandit.features, fit.theta);
  const nu = referenceVector(bandit, "per-context");
  let pessimistic: Float64Array;
  let probs: Float64Array;
  if (option === "II" || beta === 0) {
    pessimistic = pointwisePessimisticReward(bandit, fit.theta, cov, beta, nu);
    probs = gibbsPolicy(bandit.reference, pessimistic, eta).policy.probs;
  } else {
    const family = finiteGibbsFamily(bandit);
    const nuBar = contextMean(family, nu, d);
    const sol = solveExpectedPessimismOrError("userPolicy/option-I dual", family, fit.theta, cov, beta, nuBar);
    if (E.isLeft(sol)) return sol;
    probs = family.policyOf(sol.right.theta).probs;
    pessimistic = linearReward(bandit.features, sol.right.theta);
  }
  const rows: PolicyRow[] = [];
  for (let x = 0; x < X; x++)
    for (let c = p.promptStart[x]; c < p.promptStart[x + 1]; c++) {
      const i = x * A + (c - p.promptStart[x]);
      rows.push({
        prompt: p.prompts[x],
        candidate: p.candidates[c],
        probability: probs[i],
        reference: Math.exp(p.referenceLogProb[c]),
        reward: reward[i],
        bonus: reward[i] - pessimistic[i],
        pessimisticReward: pessimistic[i],
      });
    }
  return E.right({ option, beta, betaSource: source, rows });
}
