import { type MeanSummary, pairedVerdict, summarize } from "@gsh/core";
import type { ClaimStatus, ComparisonVerdict } from "./aggregate";
import type { OkRow, ResultRow } from "./result-row";

/**
 * The report's answer at a glance: per environment (a column) and algorithm (a row), at the environment's largest
 * budget, the share of π0's gap that the algorithm's policy closes, 1 − SubOpt/SubOpt(π0) (per seed, then mean and
 * 95% t interval over seeds): 100% is π*, 0% is π0, negative is worse than π0. The best mean of each column is
 * marked, and so is every algorithm the verdict rule cannot separate from it (paired SubOpt over shared seeds:
 * mean gain > 2 SE and ≥ 10%), as a tie. An algorithm run only at smaller budgets shows its largest one.
 */
export interface HeadlineCell {
  readonly environment: string;
  readonly algorithm: string;
  readonly budget: number;
  /** Share of π0's gap closed, over seeds; null where the rows do not record SubOpt(π0). */
  readonly share: MeanSummary | null;
  readonly subopt: MeanSummary;
  readonly referenceSubopt: number | null;
  /** Best mean in its column (at the column's budget). */
  readonly best: boolean;
  /** Not separable from the best by the verdict rule. */
  readonly tie: boolean;
}

/** Environments without r* (non-transitive): the win rate against π0 at the largest budget instead. */
export interface NonTransitiveCell {
  readonly environment: string;
  readonly algorithm: string;
  readonly budget: number;
  readonly winRate: MeanSummary;
  readonly best: boolean;
  readonly tie: boolean;
}

export interface Headline {
  /** Environments with SubOpt, in suite order (the matrix's columns). */
  readonly environments: readonly string[];
  /** Algorithms with a cell in some column, in suite order (the matrix's rows). */
  readonly algorithms: readonly string[];
  /** The largest budget of each environment. */
  readonly budgets: ReadonlyMap<string, number>;
  readonly cells: readonly HeadlineCell[];
  readonly nonTransitive: readonly NonTransitiveCell[];
  /** The largest number of seeds of any cell: below 2 nothing is marked (no verdict is possible). */
  readonly seeds: number;
}

const key = (e: string, a: string) => `${e}\u0000${a}`;

/** Per-seed scores of one (environment, algorithm, budget): SubOpt (or 1 − win rate) and SubOpt(π0). */
function bySeed(rows: readonly OkRow[]) {
  return new Map(rows.map((r) => [r.seed, r]));
}

/** Best and ties among `cands` (higher `score` is better), the ties by the verdict rule on `loss` per seed. */
function markBest<T extends { algorithm: string }>(
  cands: readonly T[],
  score: (c: T) => number,
  seeds: (c: T) => Map<number, number>,
): { best: Set<string>; tie: Set<string> } {
  const best = new Set<string>();
  const tie = new Set<string>();
  const ranked = cands.filter((c) => Number.isFinite(score(c)));
  if (!ranked.length) return { best, tie };
  const top = ranked.reduce((a, b) => (score(b) > score(a) ? b : a));
  const A = seeds(top);
  if (A.size < 2) return { best, tie };
  best.add(top.algorithm);
  for (const c of ranked) {
    if (c === top) continue;
    const B = seeds(c);
    const shared = [...A.keys()].filter((s) => B.has(s));
    if (shared.length < 2) continue;
    const v = pairedVerdict(
      shared.map((s) => A.get(s)!),
      shared.map((s) => B.get(s)!),
    );
    if (!v.aBeatsB) tie.add(c.algorithm);
  }
  return { best, tie };
}

/** The headline of a report from its rows, in the order of `environments` and `algorithms` (suite order). */
export function headline(
  rows: readonly ResultRow[],
  environments: readonly string[],
  algorithms: readonly string[],
): Headline {
  const ok = rows.filter((r): r is OkRow => r.status === "ok");
  const envs = [...new Set([...environments, ...ok.map((r) => r.environment)])].filter((e) =>
    ok.some((r) => r.environment === e),
  );
  const algs = [...new Set([...algorithms, ...ok.map((r) => r.algorithm)])];
  const groups = new Map<string, OkRow[]>();
  for (const r of ok)
    groups.set(key(r.environment, r.algorithm), [...(groups.get(key(r.environment, r.algorithm)) ?? []), r]);
  const budgets = new Map<string, number>();
  const cells: HeadlineCell[] = [];
  const nonTransitive: NonTransitiveCell[] = [];
  let seeds = 0;
  const withSubopt: string[] = [];
  for (const env of envs) {
    const here = ok.filter((r) => r.environment === env);
    budgets.set(env, Math.max(...here.map((r) => r.budget)));
    const exact = here.some((r) => r.metrics.subopt !== null);
    if (exact) withSubopt.push(env);
    const columnCells: { algorithm: string; rows: OkRow[]; budget: number }[] = [];
    for (const alg of algs) {
      const g = groups.get(key(env, alg));
      if (!g) continue;
      const budget = Math.max(...g.map((r) => r.budget));
      columnCells.push({ algorithm: alg, rows: g.filter((r) => r.budget === budget), budget });
    }
    const atTop = columnCells.filter((c) => c.budget === budgets.get(env));
    if (exact) {
      const scored = columnCells
        .map((c) => {
          const rs = c.rows.filter((r) => r.metrics.subopt !== null);
          const shares = rs
            .filter((r) => r.referenceSubopt !== undefined && r.referenceSubopt > 0)
            .map((r) => 1 - r.metrics.subopt! / r.referenceSubopt!);
          const refs = rs.map((r) => r.referenceSubopt).filter((x): x is number => typeof x === "number");
          seeds = Math.max(seeds, rs.length);
          return {
            ...c,
            subopt: summarize(rs.map((r) => r.metrics.subopt!)),
            share: shares.length === rs.length && rs.length ? summarize(shares) : null,
            referenceSubopt: refs.length ? refs.reduce((a, b) => a + b, 0) / refs.length : null,
          };
        })
        .filter((c) => c.subopt.n > 0);
      const marks = markBest(
        scored.filter((c) => c.budget === budgets.get(env)),
        // the printed share where every cell has one; SubOpt otherwise (rows written before SubOpt(π0) was recorded)
        scored.every((c) => c.share) ? (c) => c.share!.mean : (c) => -c.subopt.mean,
        (c) => new Map([...bySeed(c.rows)].map(([s, r]) => [s, r.metrics.subopt!])),
      );
      for (const c of scored)
        cells.push({
          environment: env,
          algorithm: c.algorithm,
          budget: c.budget,
          share: c.share,
          subopt: c.subopt,
          referenceSubopt: c.referenceSubopt,
          best: marks.best.has(c.algorithm),
          tie: marks.tie.has(c.algorithm),
        });
    } else {
      const scored = columnCells
        .map((c) => ({
          ...c,
          winRate: summarize(
            c.rows.map((r) => r.metrics.winRateVsReference).filter((x): x is number => typeof x === "number"),
          ),
        }))
        .filter((c) => c.winRate.n > 0);
      for (const c of scored) seeds = Math.max(seeds, c.winRate.n);
      const marks = markBest(
        scored.filter((c) => atTop.some((t) => t.algorithm === c.algorithm)),
        (c) => c.winRate.mean,
        (c) => new Map([...bySeed(c.rows)].map(([s, r]) => [s, 1 - (r.metrics.winRateVsReference ?? NaN)])),
      );
      for (const c of scored)
        nonTransitive.push({
          environment: env,
          algorithm: c.algorithm,
          budget: c.budget,
          winRate: c.winRate,
          best: marks.best.has(c.algorithm),
          tie: marks.tie.has(c.algorithm),
        });
    }
  }
  const inMatrix = new Set(cells.map((c) => c.algorithm));
  return {
    environments: withSubopt,
    algorithms: algs.filter((a) => inMatrix.has(a)),
    budgets,
    cells,
    nonTransitive,
    seeds,
  };
}

/** "93.4%" (one decimal), "−250%" below −100%; "—" for none. */
export function formatShare(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const p = 100 * x;
  return `${Math.abs(p) >= 100 ? p.toFixed(0) : p.toFixed(1)}%`.replace("-", "−");
}

/** A cell's printed value: "93.4% ± 1.2" (the 95% half-width in points), or the mean alone with one seed. */
export function formatShareCell(s: MeanSummary): string {
  const half = Number.isFinite(s.ci95) ? ` ± ${(100 * s.ci95).toFixed(Math.abs(s.ci95) >= 0.1 ? 0 : 1)}` : "";
  return `${formatShare(s.mean)}${half}`;
}

/**
 * A diverging colour for a share closed: white at 0, blue towards 100% (π*), red towards −100% (twice π0's gap
 * and beyond), the intensity the square of the share, with the text colour that stays readable on it.
 */
export function shareColour(x: number): { background: string; text: string } {
  if (!Number.isFinite(x)) return { background: "#ffffff", text: "#222222" };
  const t = Math.max(-1, Math.min(1, x));
  const to = t >= 0 ? [33, 102, 172] : [178, 24, 43];
  // squared, so that the range where good algorithms differ (80–100%) spans most of the scale
  const w = t * t;
  const mix = (i: number) => Math.round(255 + (to[i] - 255) * w);
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return { background: `#${hex(mix(0))}${hex(mix(1))}${hex(mix(2))}`, text: w > 0.55 ? "#ffffff" : "#222222" };
}

/** The claims with an expected side, per environment at its largest budget, and the counts over every budget. */
export interface ClaimLine {
  readonly a: string;
  readonly b: string;
  readonly expected: "A" | "B";
  readonly note?: string;
  /** Per environment: the status at the largest budget with a verdict row, and that budget. */
  readonly atLargest: ReadonlyMap<string, { readonly status: ClaimStatus; readonly budget: number }>;
  readonly counts: Readonly<Record<ClaimStatus, number>>;
}

export function claimLines(verdicts: readonly ComparisonVerdict[]): ClaimLine[] {
  const groups = new Map<string, ComparisonVerdict[]>();
  for (const v of verdicts)
    if (v.claim !== null && v.expected !== "none")
      groups.set(`${v.a}\u0000${v.b}`, [...(groups.get(`${v.a}\u0000${v.b}`) ?? []), v]);
  return [...groups.values()].map((vs) => {
    const atLargest = new Map<string, { status: ClaimStatus; budget: number }>();
    const counts = { holds: 0, fails: 0, undetermined: 0 };
    for (const v of vs) {
      counts[v.claim!]++;
      const cur = atLargest.get(v.environment);
      if (!cur || v.budget > cur.budget) atLargest.set(v.environment, { status: v.claim!, budget: v.budget });
    }
    return {
      a: vs[0].a,
      b: vs[0].b,
      expected: vs[0].expected as "A" | "B",
      ...(vs[0].note ? { note: vs[0].note } : {}),
      atLargest,
      counts,
    };
  });
}
