// Means and 95% intervals over seeds (Student t), for the curves' bands and the results table.

// t_{0.975, df} for df = 1..30; beyond 30 the normal quantile is within 2% of it.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  readonly n: number;
  readonly mean: number;
  /** Half-width of the 95% interval of the mean (0 with one value). */
  readonly half: number;
}

export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, half: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { n, mean, half: 0 };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const t = n - 1 <= T975.length ? T975[n - 2] : 1.96;
  return { n, mean, half: (t * Math.sqrt(variance)) / Math.sqrt(n) };
}

/** A number for people: 4 significant digits, exponent form when small or large. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(3) : v.toPrecision(4);
}
