import type { OkRow, ResultRow } from "./result-row";
import type { Chart } from "./render";
import type { AlgorithmStyle } from "./identity";
import { VEGA_LITE_SCHEMA } from "./render";

/**
 * What a trial's bound says: "holds" (the confidence event held and SubOpt ≤ the bound, as the theorem promises),
 * "violated" (the event held and SubOpt exceeded the bound: a bug, never expected), "void" (the event failed, so the
 * theorem promises nothing in this trial), "vacuous" (the event held but the bound is at or above SubOpt(π0): true
 * and useless, since π0 itself meets it). Null for rows without a bound.
 */
export type BoundStatus = "holds" | "violated" | "void" | "vacuous";

export function boundStatus(row: OkRow): BoundStatus | null {
  const { boundRhs, confidenceHeld, subopt } = row.metrics;
  if (boundRhs === null || subopt === null) return null;
  if (confidenceHeld !== true) return "void";
  if (subopt > boundRhs + 1e-12) return "violated";
  if (row.referenceSubopt !== undefined && boundRhs >= row.referenceSubopt) return "vacuous";
  return "holds";
}

export interface BoundSummary {
  readonly environment: string;
  readonly algorithm: string;
  readonly budget: number;
  readonly seeds: number;
  readonly meanSubopt: number;
  /** Mean bound over the seeds where it is not void (NaN when it is void in every seed). */
  readonly meanBound: number;
  readonly meanBeta: number | null;
  readonly meanError: number | null;
  readonly counts: Readonly<Record<BoundStatus, number>>;
  /** One line: "holds (5/5)", "void: event failed (5/5)", "vacuous: bound ≥ SubOpt(π0) (3/5), holds (2/5)". */
  readonly verdict: string;
}

const LABELS: Record<BoundStatus, string> = {
  holds: "holds",
  violated: "VIOLATED",
  void: "void: event failed",
  vacuous: "vacuous: bound ≥ SubOpt(π0)",
};

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Per environment, algorithm and budget with a bound: the statuses over seeds and the means, in row order. */
export function boundSummaries(rows: readonly ResultRow[]): BoundSummary[] {
  const groups = new Map<string, OkRow[]>();
  for (const r of rows)
    if (r.status === "ok" && r.metrics.boundRhs !== null && r.metrics.subopt !== null) {
      const k = `${r.environment}\u0000${r.algorithm}\u0000${r.budget}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
  return [...groups.values()].map((rs) => {
    const statuses = rs.map(boundStatus) as BoundStatus[];
    const counts = { holds: 0, violated: 0, void: 0, vacuous: 0 };
    for (const s of statuses) counts[s]++;
    const valid = rs.filter((_, i) => statuses[i] !== "void");
    const betas = rs.map((r) => r.metrics.confidenceBeta).filter((b): b is number => b !== null);
    const errors = rs.map((r) => r.metrics.estimationError).filter((e): e is number => e !== null);
    const order: BoundStatus[] = ["violated", "void", "vacuous", "holds"];
    return {
      environment: rs[0].environment,
      algorithm: rs[0].algorithm,
      budget: rs[0].budget,
      seeds: rs.length,
      meanSubopt: mean(rs.map((r) => r.metrics.subopt!)),
      meanBound: mean(valid.map((r) => r.metrics.boundRhs!)),
      meanBeta: betas.length ? mean(betas) : null,
      meanError: errors.length ? mean(errors) : null,
      counts,
      verdict: order
        .filter((s) => counts[s] > 0)
        .map((s) => `${LABELS[s]} (${counts[s]}/${rs.length})`)
        .join(", "),
    };
  });
}

export const BOUND_HEADER = [
  "environment",
  "algorithm",
  "budget",
  "mean SubOpt",
  "mean bound (seeds not void)",
  "β",
  "‖θ̂ − θ*‖_Σ (mean)",
  "bound",
];

export function boundRows(list: readonly BoundSummary[]): string[][] {
  const f = (x: number | null) => (x === null || Number.isNaN(x) ? "—" : x.toPrecision(3));
  return list.map((b) => [
    b.environment,
    b.algorithm,
    String(b.budget),
    f(b.meanSubopt),
    f(b.meanBound),
    f(b.meanBeta),
    f(b.meanError),
    b.verdict,
  ]);
}

export const BOUND_EXPLANATION =
  'The guarantee SubOpt ≤ bound holds whenever the confidence event ‖θ̂ − θ*‖_Σ ≤ β held (θ* projected onto the directions BT identifies). "void": the event failed in that seed, so the theorem promises nothing there (β = 0 always fails); "vacuous": the bound is at or above SubOpt(π0), which π0 meets without learning; "VIOLATED" would be a bug.';

/**
 * Measured gap against the bound for each algorithm with one, in one environment: mean SubOpt (solid line, filled
 * circles) and mean bound over the seeds where it is not void (dashed line, open diamonds) against the budget, in
 * the algorithm's identity colour; "void k/n" written where the event failed in k of n seeds and "vacuous k/n"
 * where the bound is at or above SubOpt(π0), drawn as the labelled dotted line above which a bound says nothing.
 */
export function theoryBoundCharts(
  rows: readonly ResultRow[],
  env: string,
  styles: Map<string, AlgorithmStyle>,
): Chart[] {
  const list = boundSummaries(rows).filter((b) => b.environment === env);
  if (!list.length) return [];
  const KINDS = ["measured SubOpt", "bound (seeds not void)"];
  const values = list.flatMap((b) => [
    { algorithm: b.algorithm, budget: b.budget, kind: KINDS[0], value: b.meanSubopt, verdict: b.verdict },
    ...(Number.isNaN(b.meanBound) || !(b.meanBound > 0)
      ? []
      : [{ algorithm: b.algorithm, budget: b.budget, kind: KINDS[1], value: b.meanBound, verdict: b.verdict }]),
  ]);
  const notes = list.flatMap((b) => [
    ...(b.counts.void > 0
      ? [{ algorithm: b.algorithm, budget: b.budget, value: b.meanSubopt, note: `void ${b.counts.void}/${b.seeds}` }]
      : []),
    ...(b.counts.vacuous > 0 && b.meanBound > 0
      ? [
          {
            algorithm: b.algorithm,
            budget: b.budget,
            value: b.meanBound,
            note: `vacuous ${b.counts.vacuous}/${b.seeds}`,
          },
        ]
      : []),
  ]);
  const refs = rows.filter(
    (r): r is OkRow => r.status === "ok" && r.environment === env && r.referenceSubopt !== undefined,
  );
  const ref = mean(refs.map((r) => r.referenceSubopt!));
  const labels = [...new Set(list.map((b) => b.algorithm))];
  const y = { field: "value", type: "quantitative", scale: { type: "log" }, title: "SubOpt / bound (log)" };
  const budgets = [...new Set(list.map((b) => b.budget))].sort((a, b) => a - b);
  const x = {
    field: "budget",
    type: "quantitative",
    scale: { type: "log", domain: [budgets[0] / 1.3, budgets[budgets.length - 1] * 1.3], nice: false },
    axis: { values: budgets, format: "~s" },
    title: "preference queries (budget)",
  };
  const color = {
    field: "algorithm",
    type: "nominal",
    scale: { domain: labels, range: labels.map((l) => styles.get(l)?.color ?? "#0072B2") },
    legend: { title: null, labelLimit: 0, orient: "right" },
  };
  return [
    {
      id: `bound-${env.replace(/[^\w]+/g, "-").toLowerCase()}`,
      section: "diagnostics",
      title: `${env}: measured gap (solid, ●) vs the theorem's bound (dashed, ◇; void seeds left out); dotted: SubOpt(π0)`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: 400,
        height: 250,
        layer: [
          {
            data: { values },
            mark: { type: "line", strokeWidth: 1.8 },
            encoding: {
              x,
              y,
              color,
              detail: { field: "kind" },
              strokeDash: {
                field: "kind",
                type: "nominal",
                scale: {
                  domain: KINDS,
                  range: [
                    [1, 0],
                    [6, 3],
                  ],
                },
                legend: {
                  title: null,
                  orient: "right",
                  symbolType: "stroke",
                  symbolStrokeColor: "#333",
                  labelLimit: 0,
                },
              },
            },
          },
          ...KINDS.map((kind, k) => ({
            data: { values: values.filter((v) => v.kind === kind) },
            mark: { type: "point", size: 60, strokeWidth: 1.5, filled: k === 0, shape: k === 0 ? "circle" : "diamond" },
            encoding: {
              x,
              y,
              color,
              tooltip: [
                { field: "algorithm" },
                { field: "budget" },
                { field: "kind" },
                { field: "value", format: ".4g" },
                { field: "verdict" },
              ],
            },
          })),
          ...(notes.length
            ? [
                {
                  data: { values: notes },
                  mark: { type: "text", align: "left", dx: 7, dy: 10, fontSize: 11 },
                  encoding: { x, y, text: { field: "note" }, color },
                },
              ]
            : []),
          ...(Number.isNaN(ref)
            ? []
            : [
                {
                  data: { values: [{ value: ref, label: "SubOpt(π0): a bound above it is vacuous" }] },
                  mark: { type: "rule", color: "#555", strokeDash: [2, 2] },
                  encoding: { y: { field: "value", type: "quantitative" } },
                },
                {
                  data: { values: [{ value: ref, label: "SubOpt(π0): a bound above it is vacuous" }] },
                  mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#555", fontSize: 11 },
                  encoding: { y: { field: "value", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
                },
              ]),
        ],
      },
    },
  ];
}
