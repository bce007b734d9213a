import { type Policy, type Rng, gibbsPolicy, linearReward, rowSamplers, sigmoid } from "@gsh/core";
import { type BanditProblem, type PreferenceDataset, fitBradleyTerryOrThrow, winnerMinusLoser } from "@gsh/preference";
import type { Proposal, RewardEstimate } from "./learner";

/** A policy table as a proposal: alias-table draws per context (built on first use) and log π(a|x). */
export function tableProposal(policy: Policy): Proposal<number> {
  const A = policy.actions;
  let tables: ReturnType<typeof rowSamplers> | null = null;
  return {
    sample: (x, rng) => (tables ??= rowSamplers(policy.probs, policy.contexts, A))[x].sample(rng),
    logProb: (x, a) => Math.log(policy.probs[x * A + a]),
  };
}

/** A learned reward model r̂(x, a) = <θ̂, φ(x, a)> that counts its calls (a cost beside preference queries). */
export class RewardModel implements RewardEstimate<number> {
  calls = 0;
  readonly table: Float64Array;

  constructor(
    readonly problem: BanditProblem,
    readonly theta: Float64Array,
  ) {
    this.table = linearReward(problem.features, theta);
  }

  /** The BT MLE on preference data (ridge λ). */
  static fit(problem: BanditProblem, data: PreferenceDataset, lambda = 1, init?: Float64Array): RewardModel {
    if (data.size === 0) return new RewardModel(problem, new Float64Array(problem.dim));
    const fit = fitBradleyTerryOrThrow(winnerMinusLoser(data, problem.features), data.size, problem.dim, {
      lambda,
      init,
    });
    return new RewardModel(problem, fit.theta);
  }

  score(x: number, a: number): number {
    this.calls++;
    return this.table[x * this.problem.actions + a];
  }

  value(x: number, a: number): number {
    return this.table[x * this.problem.actions + a];
  }

  gibbs(eta: number): Proposal<number> {
    return tableProposal(gibbsPolicy(this.problem.reference, this.table, eta).policy);
  }
}

/**
 * How a reward model labels a pair: "bradley-terry" (default) draws y ~ Bernoulli(σ(r̂(a¹) − r̂(a²))), the preference
 * model the reward model was fit under, so DPO on its labels targets π0·e^{r̂/η}; "argmax" always prefers the higher
 * r̂ (deterministic labels, the regime where DPO over-commits).
 */
export type RewardLabelMode = "bradley-terry" | "argmax";

/** y = 1 when a¹ is preferred; null for an argmax tie (no information). */
export function rewardModelLabel(
  rm: RewardModel,
  x: number,
  a1: number,
  a2: number,
  rng: Rng,
  mode: RewardLabelMode = "bradley-terry",
): 0 | 1 | null {
  return rewardLabel(rm.value(x, a1) - rm.value(x, a2), rng, mode);
}

/** The label of a pair whose reward gap r̂(y¹) − r̂(y²) is `gap` (y = 1: y¹ preferred; null for an argmax tie). */
export function rewardLabel(gap: number, rng: Rng, mode: RewardLabelMode = "bradley-terry"): 0 | 1 | null {
  if (mode === "argmax") return gap > 0 ? 1 : gap < 0 ? 0 : null;
  return rng.uniform() < sigmoid(gap) ? 1 : 0;
}
