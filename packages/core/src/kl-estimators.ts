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
  readonly repeats: number;
  readonly points: readonly KlEstimatorPoint[];
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
  const points = sampleSizes.map((n) => {
    const sum = { k1: 0, k2: 0, k3: 0 };
    const sq = { k1: 0, k2: 0, k3: 0 };
    for (let r = 0; r < repeats; r++) {
      const e = klEstimates(draw(n));
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
  return { exact, repeats, points };
}
