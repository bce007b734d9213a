import { type Rng, linearReward, sigmoid } from "@gsh/core";
import { type BanditProblem, type PreferenceDataset, fitBradleyTerryOrThrow, winnerMinusLoser } from "@gsh/preference";

/** A learned reward model r̂(x, a) = <θ̂, φ(x, a)> that counts its calls (a cost beside preference queries). */
export class RewardModel {
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
  const A = rm.problem.actions;
  const gap = rm.table[x * A + a1] - rm.table[x * A + a2];
  if (mode === "argmax") return gap > 0 ? 1 : gap < 0 ? 0 : null;
  return rng.uniform() < sigmoid(gap) ? 1 : 0;
}
