import type { Oracle } from "./oracle";
import type { FeatureMap, Policy } from "@gsh/core";

/**
 * What an algorithm may see of a finite-action world: contexts and their distribution d0, features φ(x,a),
 * the reference policy π0 and the KL coefficient η. Never θ*, r* or π*.
 */
export interface BanditProblem {
  readonly contexts: number;
  readonly actions: number;
  readonly dim: number;
  readonly features: FeatureMap;
  readonly reference: Policy;
  /** d0 over contexts (sums to 1). */
  readonly contextWeights: Float64Array;
  readonly eta: number;
  /** An upper bound B on ‖θ*‖ that the learner is told (used for γ and the constrained MLE). */
  readonly normBound: number;
}

/**
 * The only door to the truth an algorithm gets: a preference oracle that counts its queries.
 * `query(x, a1, a2)` returns 1 when a1 is preferred to a2, else 0. Each call is one query, pairs with a1 = a2
 * included (they carry no information, and still cost).
 */
export type PreferenceOracle = Oracle<number>;
