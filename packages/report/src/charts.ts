import { summarize } from "@gsh/core";
import type { CellSummary } from "./aggregate";
import type { AlgorithmTrack } from "@gsh/preference";
import type { OkRow, ResultRow } from "./result-row";
import { type AlgorithmStyle, chunkByColour, identityEncodings } from "./identity";
import { type Chart, VEGA_LITE_SCHEMA, type VegaLiteSpec, slug } from "./render";
import { calibrationCharts, klEstimatorCharts, overOptimizationCharts, trainingPathCharts } from "./diagnostics";
import { theoryBoundCharts } from "./theory";
import { displacementCharts, trainingLossCharts } from "./training-charts";

export type Track = AlgorithmTrack;
const TRACK_ORDER: readonly Track[] = ["theory", "online", "practical", "plugin"];

/** The overview's group of an algorithm: the track its definition declares, recorded in every row. */
export function trackOf(row: Pick<ResultRow, "track">): Track {
  return row.track ?? "plugin";
}

const budgetAxis = (budgets: readonly number[], title = "preference queries (budget)") => ({
  field: "budget",
  type: "quantitative",
  scale: { type: "log", domain: [Math.min(...budgets) / 1.3, Math.max(...budgets) * 1.3], nice: false },
  axis: { values: [...budgets], title, format: "~s" },
});

/** Axis values for a log scale on [lo, hi]: powers of ten, with 2× and 5× between them when the range is short. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const decades = Math.log10(hi / lo);
  const steps = decades < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of steps) {
      const v = Number((m * 10 ** e).toPrecision(3));
      if (v >= lo && v <= hi) out.push(v);
    }
  return out;
}

/**
 * A log axis' range: the intervals' ends, but at most 30× beyond the means (and `extra` values), so that the wide
 * t intervals of 2 or 3 seeds do not squash the means into a line; bars running further are cut at the edge.
 */
export function logRange(
  points: readonly { subopt: number; lo: number; hi: number }[],
  extra: readonly number[] = [],
): [number, number] {
  const means = [...points.map((p) => p.subopt), ...extra];
  const lo = Math.max(Math.min(...points.map((p) => p.lo), ...extra), Math.min(...means) / 30);
  const hi = Math.min(Math.max(...points.map((p) => p.hi), ...extra), Math.max(...means) * 30);
  return [lo, hi];
}

/** Per (algorithm, budget) of one environment: SubOpt over seeds summarised in log space (geometric mean, t interval). */
export function logSuboptSummaries(rows: readonly ResultRow[], env: string) {
  const groups = new Map<string, { algorithm: string; budget: number; logs: number[] }>();
  for (const r of rows)
    if (r.status === "ok" && r.environment === env && r.metrics.subopt !== null && r.metrics.subopt > 0) {
      const k = `${r.algorithm}\u0000${r.budget}`;
      const g = groups.get(k) ?? { algorithm: r.algorithm, budget: r.budget, logs: [] };
      g.logs.push(Math.log(r.metrics.subopt));
      groups.set(k, g);
    }
  return [...groups.values()].map((g) => {
    const s = summarize(g.logs);
    const half = Number.isFinite(s.ci95) ? s.ci95 : 0;
    return {
      algorithm: g.algorithm,
      budget: g.budget,
      subopt: Math.exp(s.mean),
      lo: Math.exp(s.mean - half),
      hi: Math.exp(s.mean + half),
      seeds: s.n,
    };
  });
}

/** Mean SubOpt(π0) of an environment's instances (one per seed), or NaN where no row records it. */
export function referenceSuboptOf(rows: readonly ResultRow[], env: string): number {
  const bySeed = new Map<number, number>();
  for (const r of rows)
    if (r.status === "ok" && r.environment === env && r.referenceSubopt !== undefined)
      bySeed.set(r.seed, r.referenceSubopt);
  const xs = [...bySeed.values()];
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** "n = 3 seeds per point" or "n = 1–3 seeds per point". */
export function seedsPhrase(ns: readonly number[]): string {
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return `n = ${lo === hi ? lo : `${lo}–${hi}`} seed${hi === 1 ? "" : "s"} per point`;
}

/**
 * The overview of one environment: SubOpt against the budget in small multiples, one chart per track (theory,
 * online, practical, plugins), at most 8 series per chart with no colour twice, each series in its report-wide
 * identity. All charts of an environment share one y-range, so tracks compare by eye, and draw SubOpt(π0) as a
 * reference line (a policy above it is worse than π0). Points are geometric means over seeds and the bars 95% t
 * intervals computed in log space (they cannot cross zero on the log axis), ticks at the budgets.
 */
export function overviewCharts(
  rows: readonly ResultRow[],
  env: string,
  styles: Map<string, AlgorithmStyle>,
  tracks: ReadonlyMap<string, Track>,
): Chart[] {
  const here = logSuboptSummaries(rows, env);
  if (here.length === 0) return [];
  const budgets = [...new Set(here.map((c) => c.budget))].sort((a, b) => a - b);
  const labels = [...new Set(here.map((c) => c.algorithm))];
  const ref = referenceSuboptOf(rows, env);
  const [yLo, yHi] = logRange(here, Number.isNaN(ref) ? [] : [ref]);
  const y = {
    type: "quantitative",
    scale: { type: "log", domain: [yLo / 1.5, yHi * 1.5], nice: false },
    axis: { values: logTicks(yLo / 1.5, yHi * 1.5), format: "~g" },
    title: "SubOpt = η·E KL(π‖π*) (log)",
  };
  const out: Chart[] = [];
  for (const track of TRACK_ORDER) {
    const inTrack = labels.filter((l) => (tracks.get(l) ?? "plugin") === track);
    const chunks = chunkByColour(inTrack, styles);
    chunks.forEach((chunk, k) => {
      const values = here.filter((c) => chunk.includes(c.algorithm));
      const part = chunks.length > 1 ? ` (${k + 1}/${chunks.length})` : "";
      const ids = identityEncodings(chunk, styles);
      out.push({
        id: `overview-${slug(env)}-${track}-${k + 1}`,
        section: "overview",
        title: `${env} — ${track} track${part}: SubOpt vs budget (${seedsPhrase(values.map((v) => v.seeds))})`,
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          width: 400,
          height: 250,
          layer: [
            ...(Number.isNaN(ref)
              ? []
              : [
                  {
                    data: { values: [{ value: ref, label: "SubOpt(π0)" }] },
                    mark: { type: "rule", color: "#555", strokeDash: [4, 3] },
                    encoding: { y: { field: "value", ...y } },
                  },
                  {
                    data: { values: [{ value: ref, label: "SubOpt(π0)" }] },
                    mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#555", fontSize: 11 },
                    encoding: { y: { field: "value", ...y }, x: { value: 0 }, text: { field: "label" } },
                  },
                ]),
            {
              data: { values },
              encoding: { x: budgetAxis(budgets), color: ids.color },
              layer: [
                {
                  mark: { type: "rule", strokeWidth: 1.5, clip: true },
                  encoding: { y: { field: "lo", ...y }, y2: { field: "hi" } },
                },
                {
                  mark: { type: "line", strokeWidth: 1.8 },
                  encoding: { y: { field: "subopt", ...y }, strokeDash: ids.strokeDash },
                },
                {
                  mark: { type: "point", filled: true, size: 60, opacity: 1 },
                  encoding: {
                    y: { field: "subopt", ...y },
                    shape: ids.shape,
                    tooltip: [
                      { field: "algorithm" },
                      { field: "budget" },
                      { field: "subopt", format: ".4g", title: "SubOpt (geometric mean)" },
                      { field: "lo", format: ".4g", title: "95% low" },
                      { field: "hi", format: ".4g", title: "95% high" },
                      { field: "seeds", title: "n (seeds)" },
                    ],
                  },
                },
              ],
            },
          ],
        },
      });
    });
  }
  return out;
}

/**
 * The reward–KL frontier of one environment: the exact Gibbs frontier of r* (π0·exp(r* / η') over a grid of η',
 * averaged over the seeds' instances, from the rows' `optimalFrontier`) as a dashed line with π* (η' = η) marked,
 * and each algorithm's (KL, true reward) with 95% t intervals in both (KL clamped at 0, where it cannot go), the
 * largest budget in full and the smaller ones faded, joined in budget order. The axes zoom to the policies and π*
 * (the frontier beyond them is cut), so that policies sitting near π0 are not squeezed against the axis. Nothing
 * can sit above the frontier: it is the best reward at each KL.
 */
export function frontierChart(
  cells: readonly CellSummary[],
  rows: readonly ResultRow[],
  env: string,
  styles: Map<string, AlgorithmStyle>,
): Chart[] {
  const here = cells.filter((c) => c.environment === env && c.ok > 0 && c.trueReward.n > 0);
  if (here.length === 0) return [];
  const labels = [...new Set(here.map((c) => c.algorithm))];
  const largest = Math.max(...here.map((c) => c.budget));
  const half = (x: number) => (Number.isNaN(x) ? 0 : x);
  const points = here.map((c) => ({
    algorithm: c.algorithm,
    budget: c.budget,
    largest: c.budget === largest ? `${largest} queries` : "smaller budgets",
    kl: c.klToReference.mean,
    klLo: Math.max(0, c.klToReference.mean - half(c.klToReference.ci95)),
    klHi: c.klToReference.mean + half(c.klToReference.ci95),
    reward: c.trueReward.mean,
    rewardLo: c.trueReward.mean - half(c.trueReward.ci95),
    rewardHi: c.trueReward.mean + half(c.trueReward.ci95),
    seeds: c.trueReward.n,
  }));
  // The exact frontier, averaged over the instances (seeds) that recorded it: one per seed, whichever row.
  const bySeed = new Map<number, NonNullable<OkRow["optimalFrontier"]>>();
  for (const r of rows)
    if (r.status === "ok" && r.environment === env && r.optimalFrontier && !bySeed.has(r.seed))
      bySeed.set(r.seed, r.optimalFrontier);
  const frontiers = [...bySeed.values()];
  const curve: { kl: number; reward: number; factor: number }[] = [];
  let star: { kl: number; reward: number } | null = null;
  if (frontiers.length) {
    const f0 = frontiers[0];
    for (let i = 0; i < f0.factor.length; i++) {
      if (!frontiers.every((f) => f.factor.length === f0.factor.length)) break;
      const kl = frontiers.reduce((s, f) => s + f.kl[i], 0) / frontiers.length;
      const reward = frontiers.reduce((s, f) => s + f.reward[i], 0) / frontiers.length;
      curve.push({ kl, reward, factor: f0.factor[i] });
      if (f0.factor[i] === 1) star = { kl, reward };
    }
  }
  // Zoom to the policies and π*: the frontier runs on to large KL, where no policy is.
  // Zoomed to the means and π*: with 2 or 3 seeds the t intervals can span far more, and are cut at the edge.
  const xMax = Math.max(...points.map((p) => p.kl), star?.kl ?? 0) * 1.25 || 1;
  const shownCurve = curve.filter((c) => c.kl <= xMax);
  const ys = [...points.map((p) => p.reward), ...(star ? [star.reward] : []), ...shownCurve.map((c) => c.reward)];
  const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.12 || 0.01;
  const chunks = chunkByColour(labels, styles);
  return chunks.map((chunk, k) => {
    const ids = identityEncodings(chunk, styles);
    const mine = points.filter((p) => chunk.includes(p.algorithm));
    const x = {
      field: "kl",
      type: "quantitative",
      title: "E KL(π‖π0) (exact)",
      scale: { domain: [0, xMax], nice: false },
    };
    const y = {
      field: "reward",
      type: "quantitative",
      title: "E r*(x, π) (exact)",
      scale: { domain: [Math.min(...ys) - yPad, Math.max(...ys) + yPad], nice: false, zero: false },
    };
    const faded = {
      field: "largest",
      type: "ordinal",
      scale: { domain: [`${largest} queries`, "smaller budgets"], range: [1, 0.3] },
      legend: { title: null, orient: "right" },
    };
    const layers: object[] = [];
    if (shownCurve.length)
      layers.push(
        {
          data: { values: shownCurve.map((c) => ({ ...c, mark: "exact Gibbs frontier" })) },
          mark: { type: "line", color: "#444", strokeWidth: 2, strokeDash: [5, 3], clip: true },
          encoding: {
            x,
            y,
            order: { field: "factor", sort: "descending" },
            tooltip: [
              { field: "mark" },
              { field: "factor", title: "η'/η" },
              { field: "kl", format: ".3f" },
              { field: "reward", format: ".4f" },
            ],
          },
        },
        ...(star
          ? [
              {
                data: { values: [{ ...star, mark: "π* (η' = η)" }] },
                mark: { type: "point", shape: "diamond", size: 180, filled: true, color: "#444" },
                encoding: {
                  x,
                  y,
                  tooltip: [{ field: "mark" }, { field: "kl", format: ".3f" }, { field: "reward", format: ".4f" }],
                },
              },
              {
                data: { values: [{ ...star, label: "π*" }] },
                mark: { type: "text", dx: -10, dy: -10, align: "right", color: "#444", fontSize: 12 },
                encoding: { x, y, text: { field: "label" } },
              },
            ]
          : []),
      );
    layers.push(
      {
        data: { values: mine },
        mark: { type: "rule", strokeWidth: 1.2, clip: true },
        encoding: {
          x: { field: "klLo", type: "quantitative", scale: x.scale },
          x2: { field: "klHi" },
          y,
          color: ids.color,
          opacity: faded,
        },
      },
      {
        data: { values: mine },
        mark: { type: "rule", strokeWidth: 1.2, clip: true },
        encoding: {
          x,
          y: { field: "rewardLo", type: "quantitative", scale: y.scale },
          y2: { field: "rewardHi" },
          color: ids.color,
          opacity: faded,
        },
      },
      {
        data: { values: mine },
        mark: { type: "line", opacity: 0.35 },
        encoding: { x, y, order: { field: "budget" }, color: ids.color, strokeDash: ids.strokeDash },
      },
      {
        data: { values: mine },
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x,
          y,
          color: ids.color,
          shape: ids.shape,
          opacity: faded,
          tooltip: [
            { field: "algorithm" },
            { field: "budget" },
            { field: "kl", format: ".3f", title: "KL to π0" },
            { field: "reward", format: ".4f", title: "true reward" },
            { field: "seeds", title: "n (seeds)" },
          ],
        },
      },
    );
    const part = chunks.length > 1 ? ` (${k + 1}/${chunks.length})` : "";
    return {
      id: `frontier-${slug(env)}-${k + 1}`,
      section: "frontier" as const,
      title: `${env}: true reward vs KL to π0${part}. Dashed: the exact Gibbs frontier of r*, ◆ π*; bars: 95% t intervals (${seedsPhrase(mine.map((p) => p.seeds))}); faded: budgets below ${largest}`,
      spec: { $schema: VEGA_LITE_SCHEMA, width: 400, height: 290, layer: layers },
    };
  });
}

/**
 * Per-iteration SubOpt of the online algorithms' main agent at the largest budget (their `trace`): the mean over
 * seeds with a band of its 95% t interval (log space), each algorithm in its identity (colour, marker, dash).
 */
export function traceCharts(rows: readonly ResultRow[], env: string, styles: Map<string, AlgorithmStyle>): Chart[] {
  const traced = rows.filter(
    (r): r is OkRow => r.environment === env && r.status === "ok" && r.trace !== undefined && r.trace.length > 1,
  );
  if (!traced.length) return [];
  const maxBudget = Math.max(...traced.map((r) => r.budget));
  const acc = new Map<string, { algorithm: string; queries: number; logs: number[] }>();
  for (const r of traced.filter((t) => t.budget === maxBudget))
    for (const p of r.trace!.filter((q) => q.subopt !== null && q.subopt > 0)) {
      const k = `${r.algorithm}\u0000${p.queries}`;
      const a = acc.get(k) ?? { algorithm: r.algorithm, queries: p.queries, logs: [] };
      a.logs.push(Math.log(p.subopt!));
      acc.set(k, a);
    }
  const values = [...acc.values()].map((a) => {
    const s = summarize(a.logs);
    const h = Number.isFinite(s.ci95) ? s.ci95 : 0;
    return {
      algorithm: a.algorithm,
      queries: a.queries,
      subopt: Math.exp(s.mean),
      lo: Math.exp(s.mean - h),
      hi: Math.exp(s.mean + h),
      seeds: s.n,
    };
  });
  const labels = [...new Set(values.map((v) => v.algorithm))];
  const [yLo, yHi] = logRange(values);
  const y = {
    type: "quantitative",
    scale: { type: "log", domain: [yLo / 1.2, yHi * 1.2], nice: false },
    axis: { values: logTicks(yLo / 1.2, yHi * 1.2), format: "~g" },
    title: "SubOpt of π¹_t (log)",
  };
  return chunkByColour(labels, styles).map((chunk, k, all) => {
    const ids = identityEncodings(chunk, styles);
    const mine = values.filter((v) => chunk.includes(v.algorithm));
    return {
      id: `trace-${slug(env)}-${k + 1}`,
      section: "traces" as const,
      title: `${env}: per-iteration SubOpt of the main agent at budget ${maxBudget}${all.length > 1 ? ` (${k + 1}/${all.length})` : ""}, geometric mean over seeds with its 95% t band (${seedsPhrase(mine.map((v) => v.seeds))})`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: 400,
        height: 250,
        data: { values: mine },
        encoding: { x: { field: "queries", type: "quantitative", title: "queries so far" }, color: ids.color },
        layer: [
          {
            mark: { type: "area", opacity: 0.15, clip: true },
            encoding: { y: { field: "lo", ...y }, y2: { field: "hi" } },
          },
          {
            mark: { type: "line", strokeWidth: 1.8 },
            encoding: { y: { field: "subopt", ...y }, strokeDash: ids.strokeDash },
          },
          {
            mark: { type: "point", filled: true, size: 45, opacity: 1 },
            encoding: {
              y: { field: "subopt", ...y },
              shape: ids.shape,
              tooltip: [
                { field: "algorithm" },
                { field: "queries" },
                { field: "subopt", format: ".4g", title: "SubOpt (geometric mean)" },
                { field: "lo", format: ".4g", title: "95% low" },
                { field: "hi", format: ".4g", title: "95% high" },
                { field: "seeds", title: "n (seeds)" },
              ],
            },
          },
        ],
      },
    };
  });
}

/** The diagnostics' charts of one environment (KL estimators, over-optimisation, calibration, bounds). */
export function diagnosticCharts(
  rows: readonly ResultRow[],
  env: string,
  styles: Map<string, AlgorithmStyle>,
): Chart[] {
  const tag = (c: { title: string; spec: VegaLiteSpec }, i: number): Chart => ({
    ...c,
    id: `diagnostic-${slug(env)}-${i + 1}`,
    section: "diagnostics",
  });
  return [
    ...klEstimatorCharts(rows, env),
    ...overOptimizationCharts(rows, env),
    ...trainingPathCharts(rows, env),
    ...calibrationCharts(rows, env),
    ...theoryBoundCharts(rows, env, styles),
  ]
    .map(tag)
    .concat(trainingLossCharts(rows, env), displacementCharts(rows, env));
}
