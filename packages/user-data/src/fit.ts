import * as E from "fp-ts/lib/Either";
import { type GshError, Rng, chiSquareQuantile, invalidArgument, logSigmoid, syrk } from "@gsh/core";
import {
  bradleyTerryPairsHessian,
  confidenceWidth,
  fitBradleyTerryPairs,
  logisticCurvature,
  rewardGapBound,
} from "@gsh/preference";
import { type PairOutcomes, allHardWins, davidsonLogProbs, fitOutcomes } from "./outcome-likelihood";
import { type EmbeddingInfo, type UserProblem, candidateMargin, outcomesOf } from "./problem";

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
  /**
   * Davidson's tie parameter ν̂ (P(tie)/√(P(win)P(loss)), fitted by maximum likelihood with θ̂) when some pair is a
   * tie; null otherwise (the model is Bradley-Terry). Soft labels need no parameter: they are cross-entropy targets.
   */
  readonly tieParameter?: number | null;
  /** Pairs by kind: hard wins (label 1), soft labels (label in [0, 1), a cross-entropy target), ties. */
  readonly outcomes?: { readonly hard: number; readonly soft: number; readonly ties: number };
  /** How the features were made (from the data file's header), carried into the exported model. */
  readonly embedding?: EmbeddingInfo;
}

/**
 * max ‖φ(c) − φ(c')‖ over pairs of candidates of one prompt, times `normBound` (z_max), by the confidence module's
 * `rewardGapBound`, the one implementation every β(δ) uses: exact per prompt while Σ_x n_x²·d ≤ 2·10⁸; beyond that
 * all candidates go in as one prompt, where `rewardGapBound` falls back to its bound 2·B·max‖φ‖.
 */
export function maxCandidateGap(p: UserProblem, normBound = 1): number {
  const { dim: d, features: f, promptStart: s } = p;
  let work = 0;
  for (let x = 0; x < p.prompts.length; x++) work += (s[x + 1] - s[x]) ** 2 * d;
  const gap = (from: number, to: number) =>
    rewardGapBound({
      features: { contexts: 1, actions: to - from, dim: d, values: Float64Array.from(f.subarray(from * d, to * d)) },
      normBound,
    }).value;
  if (work > 2e8) return gap(0, p.candidates.length);
  let best = 0;
  for (let x = 0; x < p.prompts.length; x++) best = Math.max(best, gap(s[x], s[x + 1]));
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

/** θ̂ (and τ̂ = log ν̂, −∞ without ties) on a subset of the pairs: plain BT for hard wins, else the outcome MLE. */
function fitSubset(
  p: UserProblem,
  o: PairOutcomes,
  idx: Int32Array,
  lambda: number,
  init: Float64Array,
): E.Either<GshError, { theta: Float64Array; tau: number }> {
  if (allHardWins(o, idx)) {
    // warm start only: the problem is strictly convex, the optimum does not depend on it
    const fit = fitBradleyTerryPairs(
      p.features,
      p.dim,
      Int32Array.from(idx, (i) => o.chosen[i]),
      Int32Array.from(idx, (i) => o.rejected[i]),
      { lambda, init },
    );
    return E.isLeft(fit) ? fit : E.right({ theta: fit.right.theta, tau: -Infinity });
  }
  const fit = fitOutcomes(p.features, p.dim, o, { lambda, init, indices: idx });
  if (E.isLeft(fit)) return fit;
  const nu = fit.right.tieParameter;
  return E.right({ theta: fit.right.theta, tau: nu === null ? -Infinity : Math.log(nu) });
}

/**
 * k-fold cross-validation. Accuracy and ECE are over the non-tie pairs, a soft label p counting p when the model
 * prefers chosen and 1 − p when it prefers rejected (a hard win: 1 or 0); the confidence is max(q, 1 − q) with
 * q = P(chosen | no tie) = σ(<θ, z>). The log-loss is the cross-entropy over all pairs (ties under Davidson's model).
 */
function crossValidate(
  p: UserProblem,
  o: PairOutcomes,
  theta: Float64Array,
  k: number,
  lambda: number,
  seed: number,
): E.Either<GshError, CrossValidation> {
  const n = o.chosen.length;
  const fold = new Int32Array(n);
  const perm = Rng.seeded(seed)
    .split("user-data/cross-validation")
    .shuffle(Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < n; i++) fold[perm[i]] = i % k;
  let right = 0;
  let decisive = 0;
  let loss = 0;
  const bins = 10;
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const hit = new Float64Array(bins);
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    const fit = fitSubset(p, o, Int32Array.from(train), lambda, theta);
    if (E.isLeft(fit)) return fit;
    const { tau } = fit.right;
    for (const i of test) {
      const m = candidateMargin(p, fit.right.theta, o.chosen[i], o.rejected[i]) - (o.margin ? o.margin[i] : 0);
      const label = o.label[i];
      if (o.tie[i] === 1) {
        loss -= davidsonLogProbs(m, tau)[2];
        continue;
      }
      if (tau === -Infinity && label === 1) loss -= logSigmoid(m);
      else {
        const [lw, ll] = davidsonLogProbs(m, tau);
        loss -= (label > 0 ? label * lw : 0) + (label < 1 ? (1 - label) * ll : 0);
      }
      const prob = 1 / (1 + Math.exp(-m));
      const h = m > 0 ? label : m === 0 ? 0.5 : 1 - label;
      decisive++;
      right += h;
      const c = Math.max(prob, 1 - prob);
      const b = Math.min(bins - 1, Math.floor((c - 0.5) * 2 * bins));
      count[b]++;
      conf[b] += c;
      hit[b] += h;
    }
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(hit[b] - conf[b]) / Math.max(decisive, 1);
  return E.right({ folds: k, accuracy: decisive > 0 ? right / decisive : NaN, logLoss: loss / n, ece });
}

/**
 * Fits the Bradley-Terry reward model on a user's pairs: θ̂ (ridge λ; soft labels as cross-entropy targets, ties
 * under Davidson's model with its ν̂ fitted jointly), the Hessian H and design covariance Σ_D, the
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
  const outcomes = outcomesOf(p);
  let theta: Float64Array, hessian: Float64Array, iterations: number;
  let tieParameter: number | null = null;
  if (allHardWins(outcomes)) {
    const fit = fitBradleyTerryPairs(p.features, p.dim, p.chosen, p.rejected, { lambda });
    if (E.isLeft(fit)) return fit;
    theta = fit.right.theta;
    iterations = fit.right.iterations;
    hessian = bradleyTerryPairsHessian(p.features, p.dim, p.chosen, p.rejected, theta, lambda);
  } else {
    const fit = fitOutcomes(p.features, p.dim, outcomes, { lambda });
    if (E.isLeft(fit)) return fit;
    ({ theta, hessian, iterations, tieParameter } = fit.right);
  }
  let ties = 0,
    hard = 0;
  for (let i = 0; i < outcomes.tie.length; i++)
    if (outcomes.tie[i] === 1) ties++;
    else if (outcomes.label[i] === 1) hard++;
  let worstCase: UserFit["radius"]["worstCase"] = null;
  if (options.normBound !== undefined) {
    const B = options.normBound;
    const c = options.constant ?? 1;
    const gamma = logisticCurvature(maxCandidateGap(p, B));
    const w = confidenceWidth({ dim: p.dim, delta, gamma, lambda, normBound: B, constant: c });
    if (E.isLeft(w)) return w;
    worstCase = { value: w.right, normBound: B, gamma, constant: c };
  }
  let cv: CrossValidation | null = null;
  if (folds > 0) {
    const r = crossValidate(p, outcomes, theta, folds, lambda, options.seed ?? 0);
    if (E.isLeft(r)) return r;
    cv = r.right;
  }
  return E.right({
    dim: p.dim,
    pairs: p.chosen.length,
    lambda,
    theta,
    iterations,
    hessian,
    designCovariance: designCovariance(p, lambda),
    radius: { delta, asymptotic: Math.sqrt(chiSquareQuantile(1 - delta, p.dim)), worstCase },
    crossValidation: cv,
    tieParameter,
    outcomes: { hard, soft: outcomes.tie.length - hard - ties, ties },
    ...(p.embedding ? { embedding: p.embedding } : {}),
  });
}
