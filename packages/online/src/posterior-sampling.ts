import { GshException, type Rng, backSubstitute, cholesky, invalidArgument } from "@gsh/core";
import { fitBradleyTerryOrThrow } from "@gsh/preference";
import type { ExplorationRule } from "./exploration";
import { fromSamplers, requireData, requireHessian } from "./rule-helpers";

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
 * at the problem's η (Gibbs-family members, so Markov on sequences). The draws are per round (batched Thompson
 * sampling); there is no hyper-parameter to set.
 */
export const laplacePosteriorRule: ExplorationRule = (s) => {
  const draw = laplacePosteriorSampler(s.theta, requireHessian(s, "posterior sampling"));
  const r = s.rng.split("posterior");
  const first = s.world.member(draw(r));
  return fromSamplers(s.world, first, s.world.member(draw(r)));
};

/** Ensemble size of the bootstrap rule, fixed in advance (small ensembles, as in ensemble Thompson sampling agents). */
export const BOOTSTRAP_ENSEMBLE = 8;

/**
 * Two members of a bootstrap ensemble of BT fits: K resamples of the n rows z_i with replacement, each fitted with
 * the same ridge λ from θ̂; two distinct members picked uniformly. The ensemble's spread is the bootstrap's estimate
 * of the MLE's sampling spread (≈ H⁻¹ for a well-specified model), so the pair explores like posterior sampling
 * without the Laplace approximation.
 */
export function bootstrapPair(
  Z: Float64Array,
  n: number,
  d: number,
  lambda: number,
  theta: Float64Array,
  rng: Rng,
  K = BOOTSTRAP_ENSEMBLE,
): [Float64Array, Float64Array] {
  if (!(Number.isInteger(K) && K >= 2))
    throw new GshException(invalidArgument("ensemble", `the bootstrap needs K ≥ 2 members, got ${K}`));
  if (n === 0) return [theta, theta];
  const pick = rng.split("members");
  const i = Math.floor(pick.uniform() * K);
  const j = (i + 1 + Math.floor(pick.uniform() * (K - 1))) % K;
  const member = (k: number) => {
    const r = rng.split(`member/${k}`);
    const B = new Float64Array(n * d);
    for (let row = 0; row < n; row++) {
      const src = Math.floor(r.uniform() * n);
      B.set(Z.subarray(src * d, (src + 1) * d), row * d);
    }
    return fitBradleyTerryOrThrow(B, n, d, { lambda, init: theta }).theta;
  };
  return [member(i), member(j)];
}

/**
 * Posterior sampling by bootstrap (the ensemble idea of SEA, Liu et al. 2024, and of bootstrapped Thompson sampling,
 * Osband et al. 2016): each round, two members of a K = 8 bootstrap ensemble of BT fits on all data so far, and the
 * pair from their Gibbs policies.
 */
export const bootstrapPosteriorRule: ExplorationRule = (s) => {
  const { z, size, lambda } = requireData(s, "bootstrap sampling");
  const key = s.world.bootstrapKey;
  const [t1, t2] = bootstrapPair(z, size, s.world.dim, lambda, s.theta, key === null ? s.rng : s.rng.split(key));
  return fromSamplers(s.world, s.world.member(t1), s.world.member(t2));
};
