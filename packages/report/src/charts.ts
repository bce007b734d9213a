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

/**
 * The overview of one environment: SubOpt against the budget in small multiples, one chart per track (theory,
 * online, practical, plugins), at most 8 series per chart with no colour twice, each series in its report-wide
 * identity, 95% t-intervals as error bars (not bands, which smear when series overlap), ticks at the budgets.
 */
export function overviewCharts(
  cells: readonly CellSummary[],
  env: string,
  styles: Map<string, AlgorithmStyle>,
  tracks: ReadonlyMap<string, Track>,
): Chart[] {
  const here = cells.filter((c) => c.environment === env && c.ok > 0 && c.subopt.n > 0 && c.subopt.mean > 0);
  if (here.length === 0) return [];
  const budgets = [...new Set(here.map((c) => c.budget))].sort((a, b) => a - b);
  const labels = [...new Set(here.map((c) => c.algorithm))];
  const out: Chart[] = [];
  for (const track of TRACK_ORDER) {
    const inTrack = labels.filter((l) => (tracks.get(l) ?? "plugin") === track);
    const chunks = chunkByColour(inTrack, styles);
    chunks.forEach((chunk, k) => {
      const values = here
        .filter((c) => chunk.includes(c.algorithm))
        .map((c) => {
          const half = Number.isNaN(c.subopt.ci95) ? 0 : c.subopt.ci95;
          return {
            algorithm: c.algorithm,
            budget: c.budget,
            subopt: c.subopt.mean,
            lo: Math.max(c.subopt.mean - half, c.subopt.mean / 100),
            hi: c.subopt.mean + half,
            seeds: c.ok,
          };
        });
      const part = chunks.length > 1 ? ` (${k + 1}/${chunks.length})` : "";
      const ids = identityEncodings(chunk, styles);
      const y = { type: "quantitative", scale: { type: "log" }, title: "SubOpt = η·E KL(π‖π*)" };
      out.push({
        id: `overview-${slug(env)}-${track}-${k + 1}`,
        section: "overview",
        title: `${env} — ${track} track${part}`,
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          width: 320,
          height: 220,
          data: { values },
          encoding: { x: budgetAxis(budgets), color: ids.color },
          layer: [
            { mark: { type: "rule", strokeWidth: 1.5 }, encoding: { y: { field: "lo", ...y }, y2: { field: "hi" } } },
            {
              mark: { type: "line", strokeWidth: 1.5 },
              encoding: { y: { field: "subopt", ...y }, strokeDash: ids.strokeDash },
            },
            {
              mark: { type: "point", filled: true, size: 55, opacity: 1 },
              encoding: {
                y: { field: "subopt", ...y },
                shape: ids.shape,
                tooltip: [
                  { field: "algorithm" },
                  { field: "budget" },
                  { field: "subopt", format: ".4g", title: "mean SubOpt" },
                  { field: "lo", format: ".4g", title: "95% low" },
                  { field: "hi", format: ".4g", title: "95% high" },
                  { field: "seeds" },
                ],
              },
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
 * averaged over the seeds' instances, from the rows' `optimalFrontier`) as a line with π* (η' = η) marked, and each
 * algorithm's (KL, true reward) at every budget with 95% error bars in both, joined in budget order, the point's size
 * growing with the budget. Nothing can sit above the frontier: it is the best reward at each KL.
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
  const half = (x: number) => (Number.isNaN(x) ? 0 : x);
  const points = here.map((c) => ({
    algorithm: c.algorithm,
    budget: c.budget,
    kl: c.klToReference.mean,
    klLo: c.klToReference.mean - half(c.klToReference.ci95),
    klHi: c.klToReference.mean + half(c.klToReference.ci95),
    reward: c.trueReward.mean,
    rewardLo: c.trueReward.mean - half(c.trueReward.ci95),
    rewardHi: c.trueReward.mean + half(c.trueReward.ci95),
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
  const chunks = chunkByColour(labels, styles);
  return chunks.map((chunk, k) => {
    const ids = identityEncodings(chunk, styles);
    const mine = points.filter((p) => chunk.includes(p.algorithm));
    const x = { field: "kl", type: "quantitative", title: "E KL(π‖π0) (exact)" };
    const y = { field: "reward", type: "quantitative", title: "E r*(x, π) (exact)", scale: { zero: false } };
    const layers: object[] = [];
    if (curve.length)
      layers.push(
        {
          data: { values: curve },
          mark: { type: "line", color: "#777", strokeWidth: 2, strokeDash: [5, 3] },
          encoding: {
            x,
            y,
            order: { field: "factor", sort: "descending" },
            tooltip: [
              { field: "factor", title: "η'/η" },
              { field: "kl", format: ".3f" },
              { field: "reward", format: ".4f" },
            ],
          },
        },
        ...(star
          ? [
              {
                data: { values: [{ ...star, label: "π* (η' = η)" }] },
                mark: { type: "point", shape: "diamond", size: 180, filled: true, color: "#777" },
                encoding: {
                  x,
                  y,
                  tooltip: [{ field: "label" }, { field: "kl", format: ".3f" }, { field: "reward", format: ".4f" }],
                },
              },
              {
                data: { values: [{ ...star, label: "π*" }] },
                mark: { type: "text", dx: 12, align: "left", color: "#555" },
                encoding: { x, y, text: { field: "label" } },
              },
            ]
          : []),
      );
    layers.push(
      {
        data: { values: mine },
        mark: { type: "rule", opacity: 0.6 },
        encoding: { x: { field: "klLo", type: "quantitative" }, x2: { field: "klHi" }, y, color: ids.color },
      },
      {
        data: { values: mine },
        mark: { type: "rule", opacity: 0.6 },
        encoding: { x, y: { field: "rewardLo", type: "quantitative" }, y2: { field: "rewardHi" }, color: ids.color },
      },
      {
        data: { values: mine },
        mark: { type: "line", opacity: 0.5 },
        encoding: { x, y, order: { field: "budget" }, color: ids.color, strokeDash: ids.strokeDash },
      },
      {
        data: { values: mine },
        mark: { type: "point", filled: true, opacity: 1 },
        encoding: {
          x,
          y,
          color: ids.color,
          shape: ids.shape,
          size: { field: "budget", type: "ordinal", title: "queries", scale: { range: [30, 160] } },
          tooltip: [
            { field: "algorithm" },
            { field: "budget" },
            { field: "kl", format: ".3f" },
            { field: "reward", format: ".4f" },
          ],
        },
      },
    );
    const part = chunks.length > 1 ? ` (${k + 1}/${chunks.length})` : "";
    return {
      id: `frontier-${slug(env)}-${k + 1}`,
      section: "frontier" as const,
      title: `True reward vs KL to π0, with the exact Gibbs frontier of r*${part} — ${env}`,
      spec: { $schema: VEGA_LITE_SCHEMA, width: 380, height: 280, layer: layers },
    };
  });
}

/** Per-iteration SubOpt of the online algorithms' main agent at the largest budget (their `trace`). */
export function traceCharts(rows: readonly ResultRow[], env: string, styles: Map<string, AlgorithmStyle>): Chart[] {
  const traced = rows.filter(
    (r): r is OkRow => r.environment === env && r.status === "ok" && r.trace !== undefined && r.trace.length > 1,
  );
  if (!traced.length) return [];
  const maxBudget = Math.max(...traced.map((r) => r.budget));
  const acc = new Map<string, { algorithm: string; queries: number; sum: number; n: number }>();
  for (const r of traced.filter((t) => t.budget === maxBudget))
    for (const p of r.trace!.filter((q) => q.subopt !== null)) {
      const k = `${r.algorithm}\u0000${p.queries}`;
      const a = acc.get(k) ?? { algorithm: r.algorithm, queries: p.queries, sum: 0, n: 0 };
      a.sum += p.subopt!;
      a.n++;
      acc.set(k, a);
    }
  const values = [...acc.values()]
    .map((a) => ({ algorithm: a.algorithm, queries: a.queries, subopt: a.sum / a.n }))
    .filter((v) => v.subopt > 0);
  const labels = [...new Set(values.map((v) => v.algorithm))];
  return chunkByColour(labels, styles).map((chunk, k, all) => ({
    id: `trace-${slug(env)}-${k + 1}`,
    section: "traces",
    title: `Per-iteration SubOpt of the main agent (budget ${maxBudget})${all.length > 1 ? ` (${k + 1}/${all.length})` : ""} — ${env}`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: 320,
      height: 220,
      data: { values: values.filter((v) => chunk.includes(v.algorithm)) },
      mark: { type: "line", point: { filled: true } },
      encoding: {
        x: { field: "queries", type: "quantitative", title: "queries so far" },
        y: { field: "subopt", type: "quantitative", scale: { type: "log" }, title: "SubOpt of π¹_t" },
        color: identityEncodings(chunk, styles).color,
        strokeDash: identityEncodings(chunk, styles).strokeDash,
        tooltip: [{ field: "algorithm" }, { field: "queries" }, { field: "subopt", format: ".4g" }],
      },
    },
  }));
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
