// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;
/**
 * Small, exact statistics used by tests and benchmarks: the χ² goodness-of-fit test (regularized incomplete
 * gamma by series / continued fraction), means with Student-t 95% intervals, and the paired verdict rule.
 */

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x)/Γ(a), the upper regularized incomplete gamma function. */
export function upperIncompleteGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  // Lentz's continued fraction.
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - lg) * h;
}

/**
 * The p-quantile of the χ² distribution with `dof` degrees of freedom: the x with P(χ²_dof ≤ x) = p, by bisection
 * on the regularized incomplete gamma function to a relative 1e-12 (e.g. χ²_{10, 0.9} = 15.98718).
 */
export function chiSquareQuantile(p: number, dof: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`chiSquareQuantile: p must be in (0, 1), got ${p}`);
  if (!(dof > 0)) throw new RangeError(`chiSquareQuantile: dof must be > 0, got ${dof}`);
  const cdf = (x: number) => 1 - upperIncompleteGammaQ(dof / 2, x / 2);
  let lo = 0;
  let hi = Math.max(1, dof);
  while (cdf(hi) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface ChiSquareResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
}

/**
 * Pearson's χ² goodness-of-fit test of counts against probabilities. Cells whose expected count is below
 * `minExpected` are pooled into one cell (so the χ² approximation holds); cells with probability 0 must have
 * count 0, otherwise the p-value is 0.
 */
export function chiSquareTest(counts: ArrayLike<number>, probs: ArrayLike<number>, minExpected = 5): ChiSquareResult {
  if (counts.length !== probs.length)
    throw new RangeError(`chiSquareTest: ${counts.length} counts vs ${probs.length} probabilities`);
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  let stat = 0;
  let cells = 0;
  let pooledObs = 0;
  let pooledExp = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = n * probs[i];
    if (probs[i] === 0) {
      if (counts[i] > 0) return { statistic: Infinity, dof: Math.max(1, cells), pValue: 0 };
      continue;
    }
    if (e < minExpected) {
      pooledObs += counts[i];
      pooledExp += e;
      continue;
    }
    stat += ((counts[i] - e) * (counts[i] - e)) / e;
    cells++;
  }
  if (pooledExp > 0) {
    stat += ((pooledObs - pooledExp) * (pooledObs - pooledExp)) / pooledExp;
    cells++;
  }
  const dof = Math.max(1, cells - 1);
  return { statistic: stat, dof, pValue: upperIncompleteGammaQ(dof / 2, stat / 2) };
}

const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t with `dof` degrees of freedom (table to 30, then a 1/dof expansion). */
export function studentT975(dof: number): number {
  if (dof < 1) return NaN;
  if (dof <= 30) return T975[Math.floor(dof) - 1];
  const z = 1.959963984540054;
  return z + (z * z * z + z) / (4 * dof);
}

export interface MeanSummary {
  readonly n: number;
  readonly mean: number;
  /** Standard error of the mean (sample sd / √n). */
  readonly stderr: number;
  /** Half-width of the two-sided 95% Student-t interval. */
  readonly ci95: number;
}

export function summarize(xs: ArrayLike<number>): MeanSummary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, stderr: NaN, ci95: NaN };
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i];
  m /= n;
  if (n === 1) return { n, mean: m, stderr: NaN, ci95: NaN };
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - m) * (xs[i] - m);
  const se = Math.sqrt(v / (n - 1) / n);
  return { n, mean: m, stderr: se, ci95: studentT975(n - 1) * se };
}

export interface PairedVerdict {
  /** True iff A's mean loss is lower by more than `standardErrors` paired standard errors and by ≥ `minRelativeGain`. */
  readonly aBeatsB: boolean;
  readonly meanDifference: number;
  readonly stderr: number;
  readonly relativeGain: number;
  /** In how many pairs A had the strictly lower loss. */
  readonly wins: number;
  readonly pairs: number;
}

/**
 * The verdict rule of the testbeds spec, fixed in advance: "A beats B" (lower is better, e.g. SubOpt) when the
 * paired mean difference exceeds 2 standard errors and the relative gain is at least 10%.
 */
export function pairedVerdict(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  standardErrors = 2,
  minRelativeGain = 0.1,
): PairedVerdict {
  if (a.length !== b.length) throw new RangeError(`pairedVerdict: ${a.length} vs ${b.length} pairs`);
  const diff = new Float64Array(a.length);
  let wins = 0;
  let meanB = 0;
  for (let i = 0; i < a.length; i++) {
    diff[i] = b[i] - a[i];
    if (a[i] < b[i]) wins++;
    meanB += b[i] / a.length;
  }
  const s = summarize(diff);
  const relativeGain = meanB !== 0 ? s.mean / Math.abs(meanB) : 0;
  const aBeatsB = s.n > 1 && s.mean > standardErrors * s.stderr && relativeGain >= minRelativeGain;
  return { aBeatsB, meanDifference: s.mean, stderr: s.stderr, relativeGain, wins, pairs: a.length };
}
