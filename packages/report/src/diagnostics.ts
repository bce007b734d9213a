import { KL_ESTIMATORS } from "@gsh/core";
import type { OkRow, ResultRow } from "./result-row";
import type { VegaLiteSpec } from "./render";

/** A line chart with points over `values` (the diagnostics' one chart shape). */
const lineChart = (values: readonly object[], encoding: object, height = 220): VegaLiteSpec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  width: 420,
  height,
  data: { values },
  mark: { type: "line", point: true },
  encoding,
});

/**
 * Gold and proxy reward against KL(π‖π0), one colour per budget and one dash per reward, points joined in `order`:
 * the shape of both over-optimisation charts (the η' sweep and the training path).
 */
const goldVsProxyChart = (
  values: readonly object[],
  xTitle: string,
  y: object,
  order: string,
  extraTooltip: readonly object[],
): VegaLiteSpec =>
  lineChart(
    values,
    {
      x: { field: "kl", type: "quantitative", title: xTitle },
      y: { field: "reward", type: "quantitative", ...y },
      color: { field: "budget", type: "ordinal", title: "queries", scale: { scheme: "viridis" } },
      strokeDash: { field: "kind", type: "nominal", title: "reward" },
      detail: { field: "kind" },
      order: { field: order },
      tooltip: [
        { field: "budget" },
        ...extraTooltip,
        { field: "kind" },
        { field: "kl", format: ".3f" },
        { field: "reward", format: ".4f" },
      ],
    },
    240,
  );

/** Rows whose exact KL is below this are left out of the relative charts (a ratio to ~0 says nothing). */
const MIN_KL = 1e-3;

/**
 * The KL-estimator charts of one environment: the bias and the sd of k1, k2, k3 relative to the exact KL(π‖π0),
 * against the sample size, averaged over the trained policies (rows) that carry the study.
 */
export function klEstimatorCharts(rows: readonly ResultRow[], env: string): { title: string; spec: VegaLiteSpec }[] {
  const studies = rows.flatMap((r) =>
    r.status === "ok" && r.environment === env && r.klEstimators && r.klEstimators.exact >= MIN_KL
      ? [r.klEstimators]
      : [],
  );
  if (studies.length === 0) return [];
  const acc = new Map<string, { estimator: string; n: number; bias: number; sd: number; count: number }>();
  for (const s of studies)
    for (const p of s.points)
      for (const k of KL_ESTIMATORS) {
        const key = `${k}\u0000${p.n}`;
        const a = acc.get(key) ?? { estimator: k, n: p.n, bias: 0, sd: 0, count: 0 };
        a.bias += p.bias[k] / s.exact;
        a.sd += p.sd[k] / s.exact;
        a.count++;
        acc.set(key, a);
      }
  const values = [...acc.values()].map((a) => ({
    estimator: a.estimator,
    n: a.n,
    bias: a.bias / a.count,
    sd: a.sd / a.count,
  }));
  const base = (y: object, title: string): VegaLiteSpec =>
    lineChart(values, {
      x: { field: "n", type: "quantitative", scale: { type: "log" }, title: "samples n" },
      y: { ...y, title },
      color: { field: "estimator", type: "nominal", scale: { scheme: "dark2" } },
      strokeDash: { field: "estimator", type: "nominal" },
      tooltip: [
        { field: "estimator" },
        { field: "n" },
        { field: "bias", format: ".3f" },
        { field: "sd", format: ".3f" },
      ],
    });
  const policies = `${studies.length} trained policies`;
  return [
    {
      title: `KL estimators: bias / exact KL vs samples (${policies}) — ${env}`,
      spec: base({ field: "bias", type: "quantitative" }, "mean bias / KL(π‖π0)"),
    },
    {
      title: `KL estimators: sd / exact KL vs samples (${policies}) — ${env}`,
      spec: base({ field: "sd", type: "quantitative", scale: { type: "log" } }, "sd / KL(π‖π0)"),
    },
  ];
}

/**
 * Reward over-optimisation of one environment: gold E r* and proxy E r̂ against KL(π‖π0) along the η' sweep of the
 * fitted reward's Gibbs policies, averaged over seeds, one colour per budget (the first algorithm that carries the
 * sweep: every offline-GSHF variant fits the same θ̂).
 */
export function overOptimizationCharts(
  rows: readonly ResultRow[],
  env: string,
): { title: string; spec: VegaLiteSpec }[] {
  const withSweep = rows.filter((r) => r.status === "ok" && r.environment === env && r.overOptimization);
  if (withSweep.length === 0) return [];
  const algorithm = withSweep[0].algorithm;
  const acc = new Map<string, { budget: number; i: number; kl: number; gold: number; proxy: number; n: number }>();
  for (const r of withSweep) {
    if (r.algorithm !== algorithm || r.status !== "ok") continue;
    const s = r.overOptimization!;
    s.eta.forEach((_, i) => {
      const key = `${r.budget}\u0000${i}`;
      const a = acc.get(key) ?? { budget: r.budget, i, kl: 0, gold: 0, proxy: 0, n: 0 };
      a.kl += s.kl[i];
      a.gold += s.gold[i];
      a.proxy += s.proxy[i];
      a.n++;
      acc.set(key, a);
    });
  }
  const values = [...acc.values()].flatMap((a) => [
    { budget: a.budget, kl: a.kl / a.n, reward: a.gold / a.n, kind: "gold E r*", step: a.i },
    { budget: a.budget, kl: a.kl / a.n, reward: a.proxy / a.n, kind: "proxy E r̂", step: a.i },
  ]);
  return [
    {
      title: `Reward over-optimisation: gold vs proxy reward along π0·exp(r̂/η'), η' = η·8 … η/16 (${algorithm}'s θ̂) — ${env}`,
      spec: goldVsProxyChart(values, "KL(π‖π0)", { title: "expected reward", scale: { zero: false } }, "step", []),
    },
  ];
}

/**
 * Reward over-optimisation along training (DPO's optimizer steps), one chart per algorithm that records its path:
 * gold E r* and proxy E r̂ (the trained policy's implicit reward), both relative to π0, against KL(π_k‖π0), averaged
 * over seeds per checkpoint step; a seed whose optimizer stopped earlier keeps its last policy (training no longer
 * moves it), one colour per budget.
 */
export function trainingPathCharts(rows: readonly ResultRow[], env: string): { title: string; spec: VegaLiteSpec }[] {
  const withPath = rows.filter(
    (r): r is Extract<ResultRow, { status: "ok" }> => r.status === "ok" && r.environment === env && !!r.trainingPath,
  );
  const algorithms = [...new Set(withPath.map((r) => r.algorithm))];
  return algorithms.map((algorithm) => {
    const byBudget = new Map<number, (typeof withPath)[number][]>();
    for (const r of withPath)
      if (r.algorithm === algorithm) byBudget.set(r.budget, [...(byBudget.get(r.budget) ?? []), r]);
    const values: Record<string, number | string>[] = [];
    for (const [budget, rs] of byBudget) {
      const steps = [...new Set(rs.flatMap((r) => r.trainingPath!.step))].sort((a, b) => a - b);
      for (const [i, step] of steps.entries()) {
        let kl = 0,
          gold = 0,
          proxy = 0;
        for (const r of rs) {
          const p = r.trainingPath!;
          let j = 0;
          while (j + 1 < p.step.length && p.step[j + 1] <= step) j++;
          kl += p.kl[j];
          gold += p.gold[j];
          proxy += p.proxy[j];
        }
        const n = rs.length;
        values.push(
          { budget, step, i, kl: kl / n, reward: gold / n, kind: "gold E r* − E_π0 r*" },
          { budget, step, i, kl: kl / n, reward: proxy / n, kind: "proxy E r̂ − E_π0 r̂" },
        );
      }
    }
    return {
      title: `Reward over-optimisation along training steps (${algorithm}; r̂ = η·log π_final/π0) — ${env}`,
      spec: goldVsProxyChart(values, "KL(π_step‖π0)", { title: "reward gain over π0" }, "i", [{ field: "step" }]),
    };
  });
}

/** The empirical q-quantile of xs (nearest rank: the smallest x with at least a fraction q of xs ≤ x). */
export function nearestRankQuantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Confidence-set calibration of one environment, per budget over seeds, for the first algorithm that reports a
 * confidence set with its λ: how often the measured ‖θ̂ − θ*‖_Σ is ≤ the theory's β(δ), and the ratio of β(δ) to the
 * smallest radius that holds in a fraction 1 − δ of seeds (1 would be exact; above 1 the theory is loose by that
 * factor).
 */
export function calibrationSummary(
  rows: readonly ResultRow[],
  env: string,
): { algorithm: string; budget: number; delta: number; coverage: number; ratio: number; seeds: number }[] {
  const withWidths = rows.filter(
    (r): r is OkRow =>
      r.status === "ok" && r.environment === env && !!r.confidenceWidths && r.metrics.estimationError !== null,
  );
  if (withWidths.length === 0) return [];
  const algorithm = withWidths[0].algorithm;
  const byBudget = new Map<number, OkRow[]>();
  for (const r of withWidths.filter((w) => w.algorithm === algorithm))
    byBudget.set(r.budget, [...(byBudget.get(r.budget) ?? []), r]);
  return [...byBudget].flatMap(([budget, rs]) => {
    const radii = rs.map((r) => r.metrics.estimationError!);
    return rs[0].confidenceWidths!.map(({ delta }) => {
      const betas = rs.map((r) => r.confidenceWidths!.find((w) => w.delta === delta)!.beta);
      const coverage = rs.filter((r, i) => radii[i] <= betas[i]).length / rs.length;
      const meanBeta = betas.reduce((a, b) => a + b, 0) / betas.length;
      return {
        algorithm,
        budget,
        delta,
        coverage,
        ratio: meanBeta / nearestRankQuantile(radii, 1 - delta),
        seeds: rs.length,
      };
    });
  });
}

export function calibrationCharts(rows: readonly ResultRow[], env: string): { title: string; spec: VegaLiteSpec }[] {
  const values = calibrationSummary(rows, env);
  if (values.length === 0) return [];
  return [
    {
      title: `Confidence sets — ${env}: how loose is the theory's radius? β(δ) (c = 1) over the radius ‖θ̂ − θ*‖_Σ stayed within in a share 1 − δ of seeds (1: exact; 10: 10× too wide) (${values[0].algorithm})`,
      spec: lineChart(
        values,
        {
          x: { field: "budget", type: "quantitative", scale: { type: "log" }, title: "pairs" },
          y: { field: "ratio", type: "quantitative", scale: { type: "log" }, title: "β(δ) / empirical radius" },
          color: { field: "delta", type: "nominal", title: "δ", scale: { scheme: "dark2" } },
          tooltip: [
            { field: "delta" },
            { field: "budget" },
            { field: "coverage", format: ".2f", title: "coverage of ‖θ̂−θ*‖_Σ ≤ β(δ)" },
            { field: "ratio", format: ".1f" },
            { field: "seeds" },
          ],
        },
        220,
      ),
    },
  ];
}

/** The calibration of every environment as an HTML table (coverage and looseness per budget and δ), or "". */
export function calibrationHtml(
  rows: readonly ResultRow[],
  envs: readonly string[],
  esc: (s: string) => string,
): string {
  const lines = envs.flatMap((env) => calibrationSummary(rows, env).map((c) => ({ env, ...c })));
  if (lines.length === 0) return "";
  const body = lines
    .map(
      (c) =>
        `<tr><td>${esc(c.env)}</td><td>${esc(c.algorithm)}</td><td>${c.budget}</td><td>${c.delta}</td><td>${c.coverage.toFixed(2)} (${c.seeds} seeds)</td><td>${c.ratio.toFixed(1)}</td></tr>`,
    )
    .join("\n");
  return `<h2>Confidence-set calibration</h2><p>How often the measured ‖θ̂ − θ*‖_Σ was within the theory's β(δ) = c·√((d + log(1/δ))/γ² + λB²) with c = 1 (the theorem's constant is unspecified), and β(δ) divided by the radius that held in a fraction 1 − δ of seeds: 1 is exact, larger is loose by that factor.</p><table><tr><th>environment</th><th>algorithm</th><th>pairs</th><th>δ</th><th>coverage</th><th>β(δ) / empirical radius</th></tr>\n${body}</table>`;
}
