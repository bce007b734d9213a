import { GshException, type Policy, gibbsPolicy, invalidArgument, linearReward } from "@gsh/core";
import { type BanditProblem, type Covariance, finiteGibbsFamily } from "@gsh/preference";
import type { ExplorationRule } from "./exploration";
import { fromSamplers } from "./rule-helpers";

/** Why the UCB-bonus rule runs on finite actions only (the registry's and the algorithm definition's reason). */
export const UCB_BONUS_FINITE_ONLY =
  "the UCB bonus ‖φ − ν‖_{Σ⁻¹} is not a sum over tokens, so its policy is not Markov: finite bandits only";

/**
 * A UCB-bonus rule (this project's heuristic; until 2026-12 it was mislabelled "XPO-style optimism"), on a
 * finite-action bandit: the exploring policy is the Gibbs policy of the optimistic reward
 * <θ̂, φ(x,a)> + β‖φ(x,a) − ν(x)‖_{Σ⁻¹}, ν(x) = φ(x, π0), and its samples are paired with π0's. The bonus is the
 * mirror image of offline Option II's pessimism, with the same β as the state's (the enhancer's confidence width,
 * √d in the suites): the weight is fixed by that rule, not tuned. It is not XPO (Xie et al. 2024), whose optimism is
 * a term of the likelihood objective (`xpo.ts`). The bonus is not Markov, so on sequences the rule is refused with
 * a typed error.
 */
export const ucbBonusRule: ExplorationRule = (s) => {
  const finite = s.world.finite;
  if (!finite) throw new GshException(invalidArgument("exploration", UCB_BONUS_FINITE_ONLY));
  const policy = ucbBonusPolicy({ problem: finite.problem, theta: s.theta, covariance: s.covariance, beta: s.beta });
  return fromSamplers(s.world, finite.sampler(policy), s.world.reference);
};

/** The exploring policy of `ucbBonusRule`: π0·exp((<θ̂, φ> + β‖φ − ν‖_{Σ⁻¹})/η), normalised per context. */
export function ucbBonusPolicy(s: {
  readonly problem: BanditProblem;
  readonly theta: Float64Array;
  readonly covariance: Covariance;
  readonly beta: number;
}): Policy {
  const { problem, theta, covariance, beta } = s;
  const { contexts: X, actions: A, dim: d, features } = problem;
  const nu = finiteGibbsFamily(problem).moments(new Float64Array(d)).features;
  const diffs = new Float64Array(X * A * d);
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++)
      for (let k = 0; k < d; k++) diffs[(x * A + a) * d + k] = features.values[(x * A + a) * d + k] - nu[x * d + k];
  const optimistic = linearReward(features, theta);
  const bonus = covariance.norms(diffs, X * A);
  for (let i = 0; i < X * A; i++) optimistic[i] += beta * bonus[i];
  return gibbsPolicy(problem.reference, optimistic, problem.eta).policy;
}
