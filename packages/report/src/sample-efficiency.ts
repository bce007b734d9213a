import { Rng } from "@gsh/core";
import type { ResultRow } from "./result-row";
import type { SampleEfficiencySpec } from "./suite-record";

export type { SampleEfficiencySpec };

/** The queries to reach ε: a number, `Infinity` when not reached within the largest budget. */
export interface SampleEfficiency {
  readonly environment: string;
  readonly algorithm: string;
  readonly epsilon: number;
  /** Seeds that ran at every budget for this algorithm and the baseline (the bootstrap resamples these, paired). */
  readonly seeds: number;
  readonly budgets: readonly number[];
  /** N_ε; `atMost` when the smallest budget already reaches ε (N_ε ≤ that budget). */
  readonly queries: number;
  readonly atMost: boolean;
  /** 95% percentile bootstrap interval of N_ε over seeds (bounds may be Infinity). */
  readonly interval: readonly [number, number];
  /**
   * N_ε(baseline) / N_ε(this), "k× the sample efficiency of the baseline", as bounds: equal when both N_ε are read
   * off the curves; one-sided where the budget grid censors one (≤ the smallest budget, > the largest).
   */
  readonly ratio: { readonly lo: number; readonly hi: number };
  /** 95% bootstrap interval: the 2.5% quantile of the lower bound and the 97.5% quantile of the upper bound. */
  readonly ratioInterval: readonly [number, number];
}

/**
 * N_ε from a mean curve of SubOpt/SubOpt(π0) over budgets: the first budget where the curve is ≤ ε, interpolated
 * linearly in (log budget, log SubOpt) from the budget before it; the smallest budget when it is already ≤ ε;
 * Infinity when no budget reaches ε.
 */
export function queriesToEpsilon(budgets: readonly number[], curve: ArrayLike<number>, epsilon: number): number {
  for (let j = 0; j < budgets.length; j++) {
    if (!(curve[j] <= epsilon)) continue;
    if (j === 0 || !(curve[j - 1] > 0) || !(curve[j] > 0)) return budgets[j];
    const t = (Math.log(epsilon) - Math.log(curve[j - 1])) / (Math.log(curve[j]) - Math.log(curve[j - 1]));
    return Math.exp(Math.log(budgets[j - 1]) + t * (Math.log(budgets[j]) - Math.log(budgets[j - 1])));
  }
  return Infinity;
}

/** What N_ε = n says about the true N_ε on this budget grid: exact, ≤ the smallest budget, or > the largest. */
function boundsOf(n: number, budgets: readonly number[]): [number, number] {
  if (n === Infinity) return [budgets[budgets.length - 1], Infinity];
  if (n <= budgets[0]) return [0, budgets[0]];
  return [n, n];
}

/** Bounds of N_base / N_own from the bounds of each (0/0 and ∞/∞ cannot occur: lower bounds of N are finite). */
export function ratioBounds(base: number, own: number, budgets: readonly number[]): { lo: number; hi: number } {
  const [bLo, bHi] = boundsOf(base, budgets);
  const [oLo, oHi] = boundsOf(own, budgets);
  return { lo: bLo / oHi, hi: oLo === 0 ? Infinity : bHi / oLo };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/**
 * Sample efficiency per environment, algorithm and ε (see `SampleEfficiencySpec`): each seed's SubOpt is divided by
 * its instance's SubOpt(π0) (`referenceSubopt` in the rows), the curves are averaged over the seeds the algorithm
 * and the baseline share at every budget, and N_ε is read off the mean curve. The interval and the ratio's interval
 * come from a paired percentile bootstrap over those seeds (resampled with the same indices for both), with a fixed
 * stream, so the same rows always give the same figures.
 */
export function sampleEfficiency(rows: readonly ResultRow[], spec: SampleEfficiencySpec): SampleEfficiency[] {
  // normalized[env][alg][seed][budget] = SubOpt / SubOpt(π0)
  const table = new Map<string, Map<string, Map<number, Map<number, number>>>>();
  const budgetsOf = new Map<string, Set<number>>();
  for (const r of rows) {
    if (r.status !== "ok" || r.metrics.subopt === null || !(r.referenceSubopt && r.referenceSubopt > 0)) continue;
    const env = table.get(r.environment) ?? new Map<string, Map<number, Map<number, number>>>();
    table.set(r.environment, env);
    const alg = env.get(r.algorithm) ?? new Map<number, Map<number, number>>();
    env.set(r.algorithm, alg);
    const seed = alg.get(r.seed) ?? new Map<number, number>();
    alg.set(r.seed, seed);
    seed.set(r.budget, r.metrics.subopt / r.referenceSubopt);
    const b = budgetsOf.get(`${r.environment}|${r.algorithm}`) ?? new Set<number>();
    b.add(r.budget);
    budgetsOf.set(`${r.environment}|${r.algorithm}`, b);
  }
  const out: SampleEfficiency[] = [];
  for (const [env, algs] of table) {
    const base = algs.get(spec.baseline);
    if (!base) continue;
    for (const [alg, seeds] of algs) {
      const budgets = [...budgetsOf.get(`${env}|${alg}`)!]
        .filter((b) => budgetsOf.get(`${env}|${spec.baseline}`)!.has(b))
        .sort((a, b) => a - b);
      const shared = [...seeds.keys()]
        .filter((s) => budgets.every((b) => seeds.get(s)!.has(b) && base.get(s)?.has(b)))
        .sort((a, b) => a - b);
      if (budgets.length < 2 || shared.length < 2) continue;
      const own = shared.map((s) => budgets.map((b) => seeds.get(s)!.get(b)!));
      const ref = shared.map((s) => budgets.map((b) => base.get(s)!.get(b)!));
      const meanCurve = (curves: number[][], idx: readonly number[]) =>
        budgets.map((_, j) => idx.reduce((acc, i) => acc + curves[i][j], 0) / idx.length);
      const all = shared.map((_, i) => i);
      const rng = Rng.seeded(0).split(`sample-efficiency/${env}/${alg}`);
      const draws = Array.from({ length: spec.resamples }, () =>
        all.map(() => Math.min(all.length - 1, Math.floor(rng.uniform() * all.length))),
      );
      for (const epsilon of spec.epsilons) {
        const queries = queriesToEpsilon(budgets, meanCurve(own, all), epsilon);
        const baseQueries = queriesToEpsilon(budgets, meanCurve(ref, all), epsilon);
        const ns: number[] = [];
        const los: number[] = [];
        const his: number[] = [];
        for (const idx of draws) {
          const n = queriesToEpsilon(budgets, meanCurve(own, idx), epsilon);
          ns.push(n);
          const q = ratioBounds(queriesToEpsilon(budgets, meanCurve(ref, idx), epsilon), n, budgets);
          los.push(q.lo);
          his.push(q.hi);
        }
        for (const xs of [ns, los, his]) xs.sort((a, b) => a - b);
        out.push({
          environment: env,
          algorithm: alg,
          epsilon,
          seeds: shared.length,
          budgets,
          queries,
          atMost: queries === budgets[0],
          interval: [percentile(ns, 0.025), percentile(ns, 0.975)],
          ratio: ratioBounds(baseQueries, queries, budgets),
          ratioInterval: [percentile(los, 0.025), percentile(his, 0.975)],
        });
      }
    }
  }
  return out;
}

const fmtQueries = (n: number, budgets: readonly number[]) =>
  n === Infinity ? `> ${budgets[budgets.length - 1]}` : n <= budgets[0] ? `≤ ${budgets[0]}` : n.toFixed(0);
const fmtNumber = (r: number) => (r === Infinity ? "∞" : r === 0 ? "0" : r < 0.1 ? r.toPrecision(2) : r.toFixed(2));
/** "2.40", "≥ 1.20" (the algorithm reached ε by the smallest budget or the baseline not by the largest), "≤ 0.30", "—". */
export function formatRatio(r: { lo: number; hi: number }): string {
  if (r.lo === r.hi) return fmtNumber(r.lo);
  if (r.hi === Infinity) return r.lo > 0 ? `≥ ${fmtNumber(r.lo)}` : "—";
  if (r.lo === 0) return `≤ ${fmtNumber(r.hi)}`;
  return `${fmtNumber(r.lo)}–${fmtNumber(r.hi)}`;
}

/** The table's rows as strings: environment, algorithm, ε, N_ε [interval], ratio [interval], seeds. */
export function sampleEfficiencyRows(results: readonly SampleEfficiency[], baseline: string): string[][] {
  return results.map((s) => {
    const ratio =
      s.algorithm === baseline
        ? "1 (baseline)"
        : `${formatRatio(s.ratio)} [${fmtNumber(s.ratioInterval[0])}, ${fmtNumber(s.ratioInterval[1])}]`;
    return [
      s.environment,
      s.algorithm,
      String(s.epsilon),
      `${fmtQueries(s.queries, s.budgets)} [${fmtQueries(s.interval[0], s.budgets)}, ${fmtQueries(s.interval[1], s.budgets)}]`,
      ratio,
      String(s.seeds),
    ];
  });
}

export const SAMPLE_EFFICIENCY_HEADER = [
  "environment",
  "algorithm",
  "ε (× SubOpt(π0))",
  "queries to ε [95% bootstrap]",
  "× baseline's efficiency [95%]",
  "seeds",
];

/**
 * How the figures are defined, for the report and summary. The wording matters: a ratio bound comes from the budget
 * grid (a censored N_ε is "more than the largest budget"), so "∞" means "the baseline never got there".
 */
export const sampleEfficiencyExplanation = (spec: SampleEfficiencySpec) =>
  `Queries to reach mean SubOpt ≤ ε·SubOpt(π0), read off the mean curve over seeds by log-log interpolation between budgets (≤ the smallest budget when it already does; > the largest when it never does), and the ratio N_ε(${spec.baseline}) / N_ε(algorithm): "k× the sample efficiency" of the baseline. 95% intervals: paired percentile bootstrap over seeds (${spec.resamples} resamples, fixed stream). Where the budget grid censors an N_ε the ratio is a bound: "≥ k" when the algorithm reached ε by the smallest budget or the baseline did not by the largest, "≤ k" the other way round, "—" when both are censored on the same side.`;
