import * as E from "fp-ts/lib/Either";
import { type GshError, Rng, chiSquareQuantile, invalidArgument, logSigmoid, syrk } from "@gsh/core";
import { bradleyTerryPairsHessian, confidenceWidth, fitBradleyTerryPairs, logisticCurvature } from "@gsh/preference";
import { type UserProblem, candidateMargin } from "./problem";

export interface FitOptions {
  /** Ridge λ of the MLE and of the design covariance (default 1). */
  readonly lambda?: number;
  /** 1 − δ is the confidence level of the radii (default δ = 0.1). */
  readonly delta?: number;
  /** k of the k-fold cross-validation (default 5; 0 skips it). */
  readonly folds?: number;
  /** Seeds the fold assignment (default 0). */
  readonly seed?: number;
  /**
   * An upper bound B on ‖θ*‖: with it the worst-case theory radius β(δ) = c·√((d + log(1/δ))/γ² + λB²) is reported
   * too (γ = σ'(B·max‖φ − φ'‖) over candidates of one prompt), with the constant c below.
   */
  readonly normBound?: number;
  /** The theory radius's absolute constant c (default 1; the theorem leaves it unspecified). */
  readonly constant?: number;
}

export interface CrossValidation {
  readonly folds: number;
  /** Held-out pairs predicted the right way round (p > ½; p = ½ counts half). */
  readonly accuracy: number;
  /** Held-out −mean log σ(<θ, z>). */
  readonly logLoss: number;
  /** Expected calibration error over 10 equal bins of the confidence max(p, 1 − p) in [½, 1]. */
  readonly ece: number;
}

/** A fitted Bradley-Terry reward model r(y) = <θ, φ(y)> with its uncertainty. */
export interface UserFit {
  readonly dim: number;
  readonly pairs: number;
  readonly lambda: number;
  readonly theta: Float64Array;
  readonly iterations: number;
  /** H = λI + Σ σ(m_i)σ(−m_i) z_i z_iᵀ at θ̂: the Hessian of the penalized loss, the Laplace precision. */
  readonly hessian: Float64Array;
  /** Σ_D = λI + Σ z_i z_iᵀ: the design covariance of the pessimism bonus and the enhancer. */
  readonly designCovariance: Float64Array;
  readonly radius: {
    readonly delta: number;
    /** √χ²_{d, 1−δ}: the asymptotic (1 − δ) radius of ‖θ̂ − θ*‖_H. */
    readonly asymptotic: number;
    /** The worst-case theory radius of ‖θ̂ − θ*‖_{Σ_D}, when a norm bound B was given. */
    readonly worstCase: {
      readonly value: number;
      readonly normBound: number;
      readonly gamma: number;
      readonly constant: number;
    } | null;
  };
  readonly crossValidation: CrossValidation | null;
}

/** max ‖φ(c) − φ(c')‖ over pairs of candidates of one prompt (exact up to 2·10⁸ products, else 2·max‖φ‖). */
export function maxCandidateGap(p: UserProblem): number {
  const { dim: d, features: f, promptStart: s } = p;
  let work = 0;
  for (let x = 0; x < p.prompts.length; x++) work += (s[x + 1] - s[x]) ** 2 * d;
  let best = 0;
  if (work > 2e8) {
    for (let c = 0; c < p.candidates.length; c++) {
      let n = 0;
      for (let k = 0; k < d; k++) n += f[c * d + k] ** 2;
      best = Math.max(best, 2 * Math.sqrt(n));
    }
    return best;
  }
  for (let x = 0; x < p.prompts.length; x++)
    for (let a = s[x]; a < s[x + 1]; a++)
      for (let b = a + 1; b < s[x + 1]; b++) {
        let n = 0;
        for (let k = 0; k < d; k++) n += (f[a * d + k] - f[b * d + k]) ** 2;
        best = Math.max(best, Math.sqrt(n));
      }
  return best;
}

/** Σ_D = λI + Σ z_i z_iᵀ over the pairs, from rows built in chunks (memory O(chunk·d)). */
export function designCovariance(
  p: UserProblem,
  lambda: number,
  chosen = p.chosen,
  rejected = p.rejected,
): Float64Array {
  const d = p.dim;
  const S = new Float64Array(d * d);
  for (let k = 0; k < d; k++) S[k * d + k] = lambda;
  const CHUNK = 4096;
  const Z = new Float64Array(Math.min(CHUNK, chosen.length) * d);
  for (let r0 = 0; r0 < chosen.length; r0 += CHUNK) {
    const rows = Math.min(CHUNK, chosen.length - r0);
    for (let r = 0; r < rows; r++) {
      const a = chosen[r0 + r] * d;
      const b = rejected[r0 + r] * d;
      for (let k = 0; k < d; k++) Z[r * d + k] = p.features[a + k] - p.features[b + k];
    }
    syrk(Z, rows, d, S);
  }
  return S;
}

function crossValidate(
  p: UserProblem,
  theta: Float64Array,
  k: number,
  lambda: number,
  seed: number,
): E.Either<GshError, CrossValidation> {
  const n = p.chosen.length;
  const fold = new Int32Array(n);
  const perm = Rng.seeded(seed)
    .split("user-data/cross-validation")
    .shuffle(Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < n; i++) fold[perm[i]] = i % k;
  let right = 0;
  let loss = 0;
  const bins = 10;
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const hit = new Float64Array(bins);
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    const fit = fitBradleyTerryPairs(
      p.features,
      p.dim,
      Int32Array.from(train, (i) => p.chosen[i]),
      Int32Array.from(train, (i) => p.rejected[i]),
      { lambda, init: theta }, // warm start only: the problem is strictly convex, the optimum does not depend on it
    );
    if (E.isLeft(fit)) return fit;
    for (const i of test) {
      const m = candidateMargin(p, fit.right.theta, p.chosen[i], p.rejected[i]);
      const prob = 1 / (1 + Math.exp(-m));
      right += m > 0 ? 1 : m === 0 ? 0.5 : 0;
      loss -= logSigmoid(m);
      const c = Math.max(prob, 1 - prob);
      const b = Math.min(bins - 1, Math.floor((c - 0.5) * 2 * bins));
      count[b]++;
      conf[b] += c;
      hit[b] += m > 0 ? 1 : m === 0 ? 0.5 : 0;
    }
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(hit[b] - conf[b]) / n;
  return E.right({ folds: k, accuracy: right / n, logLoss: loss / n, ece });
}

/**
 * Fits the Bradley-Terry reward model on a user's pairs: θ̂ (ridge λ), the Hessian H and design covariance Σ_D, the
 * confidence radii for ‖θ̂ − θ*‖ (asymptotic √χ²_{d,1−δ} in the H-norm; the worst-case theory radius in the
 * Σ_D-norm when a norm bound is given), and k-fold cross-validated accuracy, log-loss and ECE. θ is identified only
 * through differences of candidates of one prompt: directions no pair moves are pinned to 0 by the ridge, so θ̂ is
 * the centred (minimum-norm) representative.
 *
 * @example
 * const problem = await readUserProblem("prefs.jsonl")(); // Either
 * const fit = fitUserModel(problem.right, { delta: 0.1, folds: 5 });
 */
export function fitUserModel(p: UserProblem, options: FitOptions = {}): E.Either<GshError, UserFit> {
  const lambda = options.lambda ?? 1;
  const delta = options.delta ?? 0.1;
  const folds = options.folds ?? 5;
  if (!(delta > 0 && delta < 1)) return E.left(invalidArgument("delta", `must be in (0, 1), got ${delta}`));
  if (!(Number.isInteger(folds) && (folds === 0 || folds >= 2)))
    return E.left(invalidArgument("folds", `must be 0 (no cross-validation) or an integer ≥ 2, got ${folds}`));
  if (p.chosen.length === 0) return E.left(invalidArgument("pairs", "the problem has no labelled pairs to fit"));
  if (folds > p.chosen.length) return E.left(invalidArgument("folds", `${folds} folds for ${p.chosen.length} pairs`));
  const fit = fitBradleyTerryPairs(p.features, p.dim, p.chosen, p.rejected, { lambda });
  if (E.isLeft(fit)) return fit;
  const theta = fit.right.theta;
  const hessian = bradleyTerryPairsHessian(p.features, p.dim, p.chosen, p.rejected, theta, lambda);
  let worstCase: UserFit["radius"]["worstCase"] = null;
  if (options.normBound !== undefined) {
    const B = options.normBound;
    const c = options.constant ?? 1;
    const gamma = logisticCurvature(B * maxCandidateGap(p));
    const w = confidenceWidth({ dim: p.dim, delta, gamma, lambda, normBound: B, constant: c });
    if (E.isLeft(w)) return w;
    worstCase = { value: w.right, normBound: B, gamma, constant: c };
  }
  let cv: CrossValidation | null = null;
  if (folds > 0) {
    const r = crossValidate(p, theta, folds, lambda, options.seed ?? 0);
    if (E.isLeft(r)) return r;
    cv = r.right;
  }
  return E.right({
    dim: p.dim,
    pairs: p.chosen.length,
    lambda,
    theta,
    iterations: fit.right.iterations,
    hessian,
    designCovariance: designCovariance(p, lambda),
    radius: { delta, asymptotic: Math.sqrt(chiSquareQuantile(1 - delta, p.dim)), worstCase },
    crossValidation: cv,
  });
}
