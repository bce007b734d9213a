import { GshException, type Rng, backSubstitute, cholesky, invalidArgument } from "@gsh/core";
import { finiteGibbsFamily } from "@gsh/preference";
import type { ExplorationRule } from "./exploration";
import { fromPolicies } from "./pair-plans";

/**
 * A sampler of the Laplace posterior N(θ̂, H⁻¹): θ̂ + L⁻ᵀξ with H = LLᵀ and ξ ~ N(0, I), so Cov = (LLᵀ)⁻¹ = H⁻¹.
 * H is the Hessian of the penalised Bradley-Terry loss at θ̂ (`bradleyTerryHessian`).
 */
export function laplacePosteriorSampler(theta: Float64Array, hessian: Float64Array): (rng: Rng) => Float64Array {
  const d = theta.length;
  if (hessian.length !== d * d)
    throw new GshException(invalidArgument("hessian", `has ${hessian.length} entries, expected ${d}×${d}`));
  const L = cholesky(hessian, d);
  return (rng) => {
    const v = backSubstitute(L, d, rng.normals(new Float64Array(d)));
    return theta.map((t, k) => t + v[k]);
  };
}

/**
 * Posterior sampling for Bradley-Terry, Laplace version: Thompson sampling for dueling bandits with the Laplace
 * approximation of the logistic posterior (Chapelle & Li, "An empirical evaluation of Thompson sampling", 2011),
 * the idea behind ensemble Thompson agents such as SEA (Liu et al., "Sample-efficient alignment for LLMs", 2024).
 * Each round draws θ₁, θ₂ ~ N(θ̂, H⁻¹) with H = λI + Σ σ′(<θ̂, z_i>) z_i z_iᵀ, the Hessian of the penalised loss at
 * the MLE (not the design Σ, which understates the spread), and pairs a¹ ~ π_{θ₁}, a² ~ π_{θ₂}, their Gibbs policies
 * at the problem's η. The draws are per round (batched Thompson sampling); there is no hyper-parameter to set.
 */
export const laplacePosteriorRule: ExplorationRule = (s) => {
  if (!s.hessian)
    throw new GshException(
      invalidArgument(
        "exploration",
        "posterior sampling needs the Hessian of the data's BT loss (online GSHF supplies it)",
      ),
    );
  const draw = laplacePosteriorSampler(s.theta, s.hessian());
  const family = finiteGibbsFamily(s.problem);
  const r = s.rng.split("posterior");
  return fromPolicies(family.policyOf(draw(r)), family.policyOf(draw(r)));
};
