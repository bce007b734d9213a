// The reward model the labeller fits to a person's clicks on T. gsh's default ridge (λ = 1, a prior sd of 1 per
// coordinate) cannot be used here: ‖θ*‖ = 12 while a sentence's valence feature moves by about 0.025 per AFINN point,
// so twenty clicks leave θ̂ at a few percent of θ*'s size and the policy at π0. A weaker isotropic ridge (E‖θ‖² = B²)
// moves θ̂, but along the features with the largest spread under π0 (length, stop words), which twenty clicks happen
// to correlate with, and the policy ends worse than π0. So the prior has Zellner's g-prior shape instead: precision
// λ·Σ0, with Σ0 = E_x Cov_π0(φ), π0's within-prompt feature covariance. θᵀΣ0θ is the reward's variance under π0,
// which to second order is 2η²·KL(π_θ‖π0): the prior charges a reward for how far its Gibbs policy moves, the
// currency of the KL-regularised objective, not for its coordinates' size. Its size λ = tr(Σ0⁺)/B² makes E‖θ‖² = B²
// under the prior (B: the testbed's stated norm bound, which the learner is given). A tie is the soft label ½, the
// expectation of the coin that the deterministic preference variant flips (its variance is noise). The rule was fixed
// from these arguments before any labeller result with it was seen; the README's playground section lists the
// alternatives measured.
import { type GshError, backSubstitute, cholesky, forwardSubstitute } from "@gsh/core";
import { Covariance, type SequenceProblem, factoredGibbsPolicy, sharedFeatureCovariance } from "@gsh/preference";
import * as E from "fp-ts/lib/Either";
// the module itself, not @gsh/user-data's index, which also holds the file readers (Node only)
import { fitOutcomes } from "../../../../packages/user-data/src/outcome-likelihood";

export interface LabellerPrior {
  readonly dim: number;
  /** Coordinates whose feature varies under π0; θ is 0 on the others (constant features, e.g. T's `<unk>` flag). */
  readonly live: Int32Array;
  /** Lower Cholesky factor of Σ0 restricted to the live coordinates (q×q, row-major). */
  readonly factor: Float64Array;
  /** λ of the prior precision λ·Σ0. */
  readonly lambda: number;
  readonly normBound: number;
}

/** One labelled comparison: the two responses' features and P(first preferred) (1, 0, or ½ for a tie). */
export interface LabelledPair {
  readonly first: Float64Array;
  readonly second: Float64Array;
  readonly label: 0 | 1 | 0.5;
}

export interface PriorOptions {
  /**
   * "reference" (the labeller's): precision λ·Σ0 with λ = tr(Σ0⁺)/B². "isotropic": the ridge λ·I of gsh's other
   * fits, kept to measure what the reference shape changes (`pnpm --filter playground bench:labeller`).
   */
  readonly shape?: "reference" | "isotropic";
  /** λ of the isotropic shape (default 1, gsh's default ridge). */
  readonly lambda?: number;
}

/** The prior of a sequence problem: Σ0 from π0 by the exact DP, its live coordinates, and λ = tr(Σ0⁺)/B². */
export function labellerPrior(problem: SequenceProblem, options: PriorOptions = {}): LabellerPrior {
  const d = problem.dim;
  if (options.shape === "isotropic") {
    const identity = new Float64Array(d * d);
    for (let k = 0; k < d; k++) identity[k * d + k] = 1;
    const live = Int32Array.from({ length: d }, (_, k) => k);
    return { dim: d, live, factor: identity, lambda: options.lambda ?? 1, normBound: problem.normBound };
  }
  const pi0 = factoredGibbsPolicy(problem, new Float64Array((problem.vocab + 1) * problem.vocab));
  const sigma = sharedFeatureCovariance(problem, pi0);
  let top = 0;
  for (let k = 0; k < d; k++) top = Math.max(top, sigma[k * d + k]);
  const live = Int32Array.from([...Array(d).keys()].filter((k) => sigma[k * d + k] > 1e-12 * top));
  const q = live.length;
  const restricted = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) restricted[i * q + j] = sigma[live[i] * d + live[j]];
  const factor = cholesky(restricted, q);
  // tr(Σ0⁻¹) = Σ_i ‖L⁻¹e_i‖²
  let trace = 0;
  for (let i = 0; i < q; i++) {
    const e = new Float64Array(q);
    e[i] = 1;
    for (const v of forwardSubstitute(factor, q, e)) trace += v * v;
  }
  return { dim: d, live, factor, lambda: trace / problem.normBound ** 2, normBound: problem.normBound };
}

/** φ ↦ L⁻¹φ on the live coordinates: in these coordinates the prior is the isotropic ridge λ. */
function whiten(prior: LabellerPrior, phi: Float64Array): Float64Array {
  return forwardSubstitute(
    prior.factor,
    prior.live.length,
    Float64Array.from(prior.live, (k) => phi[k]),
  );
}

/** The prior precision as a d×d matrix: λ·Σ0 on the live coordinates, 1/B² on the constant ones (which no policy feels). */
export function priorPrecision(prior: LabellerPrior): Float64Array {
  const { dim: d, live, factor: L, lambda } = prior;
  const q = live.length;
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) out[k * d + k] = 1 / prior.normBound ** 2;
  for (let i = 0; i < q; i++)
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k <= Math.min(i, j); k++) s += L[i * q + k] * L[j * q + k];
      out[live[i] * d + live[j]] = lambda * s;
    }
  return out;
}

/**
 * The MAP θ̂ of the labels under the prior (Bradley-Terry, soft labels as cross-entropy targets) and the precision of
 * θ̂ (the penalised Hessian, d×d), which posterior sampling draws from. No labels: θ̂ = 0 and the prior precision.
 */
export function fitLabels(
  prior: LabellerPrior,
  pairs: readonly LabelledPair[],
): E.Either<GshError, { theta: Float64Array; precision: Float64Array }> {
  const { dim: d, live, factor: L, lambda } = prior;
  const q = live.length;
  const n = pairs.length;
  if (n === 0) return E.right({ theta: new Float64Array(d), precision: priorPrecision(prior) });
  const features = new Float64Array(2 * n * q);
  pairs.forEach((p, i) => {
    features.set(whiten(prior, p.first), 2 * i * q);
    features.set(whiten(prior, p.second), (2 * i + 1) * q);
  });
  const fit = fitOutcomes(
    features,
    q,
    {
      chosen: Int32Array.from({ length: n }, (_, i) => 2 * i),
      rejected: Int32Array.from({ length: n }, (_, i) => 2 * i + 1),
      label: Float64Array.from(pairs, (p) => p.label),
      tie: new Uint8Array(n),
    },
    { lambda },
  );
  if (E.isLeft(fit)) return fit;
  // θ = L⁻ᵀw, and the precision of θ is L·H_w·Lᵀ
  const w = backSubstitute(L, q, fit.right.theta);
  const theta = new Float64Array(d);
  live.forEach((k, i) => (theta[k] = w[i]));
  const Hw = fit.right.hessian;
  const precision = priorPrecision(prior);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      let s = 0;
      for (let i = 0; i <= a; i++) for (let j = 0; j <= b; j++) s += L[a * q + i] * Hw[i * q + j] * L[b * q + j];
      precision[live[a] * d + live[b]] = s;
    }
  return E.right({ theta, precision });
}

/**
 * The design covariance the exploration rules read (the enhancer's uncertainty ‖φ − φ′‖ in its inverse): the prior
 * precision plus each labelled pair's difference once, whatever its label.
 */
export function designCovariance(prior: LabellerPrior, pairs: readonly LabelledPair[]): Covariance {
  const d = prior.dim;
  const cov = Covariance.fromMatrix(d, prior.lambda, 1, priorPrecision(prior), 0);
  const diff = new Float64Array(pairs.length * d);
  pairs.forEach((p, i) => {
    for (let k = 0; k < d; k++) diff[i * d + k] = p.first[k] - p.second[k];
  });
  cov.addRows(diff, pairs.length);
  return cov;
}
