import type { Policy } from "./policy";

/**
 * The three Monte-Carlo estimators of KL(π‖π0) that RLHF trainers log (J. Schulman, "Approximating KL divergence",
 * 2020), from log-ratios ℓ = log π(y) − log π0(y) of samples y ~ π:
 * - k1 = ℓ: unbiased, high variance, negative on single samples;
 * - k2 = ℓ²/2: biased (its mean is an f-divergence equal to KL to second order in π/π0 − 1), low variance;
 * - k3 = (e^{−ℓ} − 1) + ℓ: unbiased (E_π e^{−ℓ} = 1) and never negative.
 * Each estimate is the sample mean of its per-sample term.
 */
export interface KlEstimates {
  readonly k1: number;
  readonly k2: number;
  readonly k3: number;
}

export const KL_ESTIMATORS = ["k1", "k2", "k3"] as const;
export type KlEstimatorName = (typeof KL_ESTIMATORS)[number];

/** The per-sample terms of the three estimators at one log-ratio ℓ. */
export function klTerms(l: number): KlEstimates {
  return { k1: l, k2: 0.5 * l * l, k3: k3Term(l) };
}

// e^{−ℓ} − 1 + ℓ: expm1 avoids 1 − 1, and below |ℓ| = 0.01 the Taylor series ℓ²/2 − ℓ³/6 + … avoids the cancellation
// of expm1(−ℓ) against ℓ (relative error < 1e-13 instead of ~1e-7 at ℓ = 1e-9).
function k3Term(l: number): number {
  if (Math.abs(l) >= 0.01) return Math.expm1(-l) + l;
  return l * l * (1 / 2 - l * (1 / 6 - l * (1 / 24 - l * (1 / 120 - l / 720))));
}

/** The three estimates from log-ratios[from, from + n). */
export function klEstimates(logRatios: ArrayLike<number>, from = 0, n = logRatios.length - from): KlEstimates {
  let k1 = 0,
    k2 = 0,
    k3 = 0;
  for (let i = from; i < from + n; i++) {
    const t = klTerms(logRatios[i]);
    k1 += t.k1;
    k2 += t.k2;
    k3 += t.k3;
  }
  return { k1: k1 / n, k2: k2 / n, k3: k3 / n };
}

/** Bias and standard deviation of each estimator at one sample size, over repeated draws. */
export interface KlEstimatorPoint {
  readonly n: number;
  readonly bias: KlEstimates;
  readonly sd: KlEstimates;
}

export interface KlEstimatorStudy {
  /** The exact KL(π‖π0) the estimates are compared with. */
  readonly exact: number;
  /** Monte-Carlo repeats per sample size (0 where the points are exact). */
  readonly repeats: number;
  readonly points: readonly KlEstimatorPoint[];
  /**
   * @6: the exact per-sample mean and variance of each estimator and the tail of π0/π, where the policy class allows
   * them (then `points` are exact: bias = mean − KL, sd = √(variance/n)); absent for Monte-Carlo studies.
   */
  readonly moments?: KlEstimatorMoments;
  /**
   * @6: on a Monte-Carlo study, why its spread cannot be trusted: at some n ≥ 64 the largest squared k3 term carries
   * more than half of their sum in a repeat, so the sample has not resolved k3's variance. Its absence proves nothing
   * (a sample that never meets the tail raises no warning): exact moments are the answer where they exist.
   */
  readonly warning?: string;
}

/** The exact per-sample moments of k1, k2, k3 under y ~ π, and the tail that drives k3's variance. */
export interface KlEstimatorMoments {
  /** E_π of each per-sample term (k1's and k3's are KL(π‖π0) when π0 ≪ π). */
  readonly mean: KlEstimates;
  /** Var_π of each per-sample term: the estimate from n samples has variance variance/n. */
  readonly variance: KlEstimates;
  /** The largest π0(y|x)/π(y|x) over responses π can produce, and the probability π (with x ~ d0) draws it. */
  readonly tail: { readonly ratio: number; readonly probability: number };
}

/**
 * Exact expectations under y ~ π (x ~ d0) of functions of ℓ = log π/π0: what the estimators' moments are made of.
 * E e^{−ℓ} = π0(supp π) and E e^{−2ℓ} = E_{π0} π0/π (a χ²-type term, huge wherever π ≪ π0).
 */
export interface LogRatioExpectations {
  readonly l1: number;
  readonly l2: number;
  readonly l4: number;
  readonly expNeg: number;
  readonly expNeg2: number;
  readonly lExpNeg: number;
}

/**
 * Mean and variance of k1 = ℓ, k2 = ℓ²/2, k3 = e^{−ℓ} − 1 + ℓ from the expectations of ℓ's powers and exponentials:
 * E k3² = E e^{−2ℓ} + 1 + E ℓ² − 2E e^{−ℓ} + 2E ℓe^{−ℓ} − 2E ℓ (expand the square).
 */
export function klMomentsFromExpectations(e: LogRatioExpectations): Pick<KlEstimatorMoments, "mean" | "variance"> {
  const m3 = e.expNeg - 1 + e.l1;
  const k3sq = e.expNeg2 + 1 + e.l2 - 2 * e.expNeg + 2 * e.lExpNeg - 2 * e.l1;
  return {
    mean: { k1: e.l1, k2: e.l2 / 2, k3: m3 },
    variance: {
      k1: Math.max(0, e.l2 - e.l1 * e.l1),
      k2: Math.max(0, e.l4 / 4 - (e.l2 / 2) ** 2),
      k3: Math.max(0, k3sq - m3 * m3),
    },
  };
}

/**
 * The exact moments on a finite-action bandit, by sums over (x, a) with weight d0(x)·π(a|x) of each term and its
 * square (no cancellation between large terms): the reference's ratio π0/π at its largest with that weight.
 */
export function finiteKlMoments(
  policy: Policy,
  reference: Policy,
  contextWeights: ArrayLike<number>,
): KlEstimatorMoments {
  const { contexts: X, actions: A } = policy;
  const mean = { k1: 0, k2: 0, k3: 0 },
    square = { k1: 0, k2: 0, k3: 0 };
  let ratio = 0,
    probability = 0;
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++) {
      const p = policy.probs[x * A + a];
      if (!(p > 0)) continue;
      const weight = contextWeights[x] * p;
      const l = Math.log(p) - Math.log(reference.probs[x * A + a]);
      const t = klTerms(l);
      for (const k of KL_ESTIMATORS) {
        mean[k] += weight * t[k];
        square[k] += weight * t[k] * t[k];
      }
      const r = reference.probs[x * A + a] / p;
      if (r > ratio) {
        ratio = r;
        probability = weight;
      }
    }
  return {
    mean,
    variance: {
      k1: Math.max(0, square.k1 - mean.k1 ** 2),
      k2: Math.max(0, square.k2 - mean.k2 ** 2),
      k3: Math.max(0, square.k3 - mean.k3 ** 2),
    },
    tail: { ratio, probability },
  };
}

/** The study's points from exact moments: bias = mean − exact KL at every n, sd = √(variance/n). */
export function exactKlStudy(
  moments: KlEstimatorMoments,
  exact: number,
  sampleSizes: readonly number[],
): KlEstimatorStudy {
  const bias = { k1: moments.mean.k1 - exact, k2: moments.mean.k2 - exact, k3: moments.mean.k3 - exact };
  const points = sampleSizes.map((n) => ({
    n,
    bias,
    sd: {
      k1: Math.sqrt(moments.variance.k1 / n),
      k2: Math.sqrt(moments.variance.k2 / n),
      k3: Math.sqrt(moments.variance.k3 / n),
    },
  }));
  return { exact, repeats: 0, points, moments };
}

/**
 * Bias and spread of k1, k2, k3 against the exact KL at each sample size n: `repeats` independent estimates from n
 * fresh log-ratios each (`draw(n)` returns n log-ratios of samples from π). Bias is mean − exact; sd is the
 * standard deviation of the estimate over the repeats (≈ sd(term)/√n).
 */
export function klEstimatorStudy(
  draw: (n: number) => ArrayLike<number>,
  exact: number,
  sampleSizes: readonly number[],
  repeats: number,
): KlEstimatorStudy {
  let unresolved = false;
  const points = sampleSizes.map((n) => {
    const sum = { k1: 0, k2: 0, k3: 0 };
    const sq = { k1: 0, k2: 0, k3: 0 };
    for (let r = 0; r < repeats; r++) {
      const ls = draw(n);
      const e = klEstimates(ls);
      if (n >= 64 && dominatedBySquare(ls)) unresolved = true;
      for (const k of KL_ESTIMATORS) {
        sum[k] += e[k];
        sq[k] += e[k] * e[k];
      }
    }
    const mean = (k: KlEstimatorName) => sum[k] / repeats;
    const sd = (k: KlEstimatorName) =>
      repeats > 1 ? Math.sqrt(Math.max(0, (sq[k] - repeats * mean(k) ** 2) / (repeats - 1))) : 0;
    return {
      n,
      bias: { k1: mean("k1") - exact, k2: mean("k2") - exact, k3: mean("k3") - exact },
      sd: { k1: sd("k1"), k2: sd("k2"), k3: sd("k3") },
    };
  });
  return unresolved
    ? {
        exact,
        repeats,
        points,
        warning: "a single sample carries over half of Σ k3² in some repeat: k3's variance is not resolved",
      }
    : { exact, repeats, points };
}

/** Whether one k3 term's square exceeds half the sum of the squares (the sample sees the tail once, or never). */
function dominatedBySquare(logRatios: ArrayLike<number>): boolean {
  let total = 0,
    largest = 0;
  for (let i = 0; i < logRatios.length; i++) {
    const t = k3Term(logRatios[i]) ** 2;
    total += t;
    if (t > largest) largest = t;
  }
  return total > 0 && largest > 0.5 * total;
}
