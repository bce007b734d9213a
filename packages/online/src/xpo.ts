import { getOrThrow } from "@gsh/core";
import type { ExplorationRule } from "./exploration";
import { fromSamplers, requireData } from "./rule-helpers";
import { optimisticMle } from "./vpo";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * XPO's weight on the value term, α·n/η, under the rule α = η·β/√n fixed in advance (β the state's confidence width,
 * √d in the suites): the paper's Theorem sets α ∝ β_DPO·√(log|Π| / T) with its coverage and range constants, where
 * β_DPO is our η, T the pairs so far and log|Π| plays the part of d here (constants set to 1). The result, β·√n,
 * moves θ̃ about β from θ̂ in the data's Σ-norm: optimism of the size of the confidence width, shrinking like 1/√n.
 */
export function xpoValueWeight(beta: number, pairs: number): number {
  return beta * Math.sqrt(pairs);
}

/**
 * XPO (Xie et al. 2024, "Exploratory Preference Optimization", Algorithm 1): the policy minimises DPO's loss plus
 * α·Σ_{i ≤ n} log π(ỹ_i | x_i) over the reference responses ỹ_i ~ π0 collected so far, and each round pairs
 * y ~ π^(t) with ỹ ~ π0 (its π_samp = π_ref). For a Gibbs-family policy π_θ = π0·exp(<θ, φ>/η)/Z_θ,
 * E_{ỹ~π0} log π_θ(ỹ|x) = E_{π0} log π0 − (η log Z_θ(x) − <θ, φ(x, π0)>)/η, the π0-calibrated value of VPO's
 * `calibratedValue` with a minus sign, so XPO's objective is VPO's optimistic MLE ℓ_λ(θ) − (α·n/η)·V(θ) (DPO on
 * this class is the MLE). Deviation: the sum over the queried π0 responses is replaced by its expectation n·E (the
 * same objective in mean, without its sampling noise). The policy is a Gibbs-family member, so Markov on sequences
 * and run there too. α by `xpoValueWeight`; the output policy stays the main agent's (MLE-Gibbs).
 */
export const xpoRule: ExplorationRule = (s) => {
  const { z, size, lambda } = requireData(s, "XPO");
  const alpha = xpoValueWeight(s.beta, size);
  const { theta } = getOrThrow(optimisticMle(s.world.family, z, size, { alpha, lambda, init: s.theta }));
  return fromSamplers(s.world, s.world.member(theta), s.world.reference);
};
