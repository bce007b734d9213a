import type { ComparisonVerdict } from "./aggregate";
import type { Chart } from "./render";
import type { AlgorithmStyle } from "./identity";
import { VEGA_LITE_SCHEMA, slug } from "./render";
import { logTicks } from "./charts";

/** Ratios beyond ×1000 either way are drawn at the axis' edge, marked with a triangle and printed with their value. */
export const RATIO_CAP = 1000;

/** The colours of a row's outcome: the claim's status, or (no claim) which side the verdict rule picked. */
const STATUS_COLOURS = { holds: "#1a7f37", fails: "#c62828", undetermined: "#8a8a8a", "no verdict": "#8a8a8a" };

export interface ForestRow {
  readonly row: string;
  readonly environment: string;
  readonly budget: number;
  /** exp(mean log-ratio): A's SubOpt over B's, geometric mean over paired seeds (< 1: A better). */
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  /** Where the point is drawn: `ratio` clamped to [1/RATIO_CAP, RATIO_CAP]. */
  readonly shown: number;
  readonly shownLo: number;
  readonly shownHi: number;
  /** The point (or an end of its interval) lies beyond the axis: it is drawn at the edge and marked. */
  readonly offScale: boolean;
  readonly offLabel: string;
  /** The point's marker: "in" on the axis, "low" / "high" drawn at that edge. */
  readonly edge: "in" | "low" | "high";
  readonly outcome: string;
  readonly verdict: string;
  readonly wins: string;
  readonly n: number;
  readonly side: string;
}

const fmt = (x: number) => (x >= 100 || x < 0.01 ? x.toExponential(1) : x.toPrecision(2));
const clamp = (x: number) => Math.min(RATIO_CAP, Math.max(1 / RATIO_CAP, x));

/** The forest rows of one comparison family (a, b), in the verdicts' order (environment, then budget). */
export function forestRows(vs: readonly ComparisonVerdict[]): ForestRow[] {
  return vs
    .filter((v) => v.logRatio !== null)
    .map((v) => {
      const m = v.logRatio!.mean;
      const half = Number.isFinite(v.logRatio!.ci95) ? v.logRatio!.ci95 : 0;
      const ratio = Math.exp(m);
      const lo = Math.exp(m - half);
      const hi = Math.exp(m + half);
      const offScale = ratio !== clamp(ratio) || lo !== clamp(lo) || hi !== clamp(hi);
      const outcome =
        v.claim ??
        (v.verdict === `${v.a} beats ${v.b}`
          ? "A wins"
          : v.verdict === `${v.b} beats ${v.a}`
            ? "B wins"
            : "no verdict");
      return {
        row: `${v.environment} · ${v.budget}`,
        environment: v.environment,
        budget: v.budget,
        ratio,
        lo,
        hi,
        shown: clamp(ratio),
        shownLo: clamp(lo),
        shownHi: clamp(hi),
        offScale,
        offLabel: offScale ? `×${fmt(ratio)} [${fmt(lo)}, ${fmt(hi)}]` : "",
        edge: ratio > RATIO_CAP ? "high" : ratio < 1 / RATIO_CAP ? "low" : "in",
        outcome,
        verdict: v.verdict,
        wins: `${v.wins}/${v.pairs}`,
        n: v.pairs,
        side: v.expected === "none" ? outcome : `expects ${v.expected === "A" ? "A" : "B"}: ${outcome}`,
      };
    });
}

/**
 * One forest plot per comparison family (A vs B over environments and budgets): the effect is the geometric mean
 * over paired seeds of SubOpt_A / SubOpt_B (the mean of the per-seed log-ratios, exponentiated), with its 95% t
 * interval on n − 1 degrees of freedom, on a log axis around 1 (left: A better). The interval is for display; the
 * colour and the text beside each row come from the verdict rule (paired difference > 2 SE and ≥ 10%), so that no
 * verdict changes with the picture: holds / fails / undetermined where the suite declares the side the paper
 * expects to win, otherwise which side wins. Values beyond ×1000 sit at the edge as triangles with their value.
 */
export function comparisonCharts(verdicts: readonly ComparisonVerdict[], styles: Map<string, AlgorithmStyle>): Chart[] {
  const groups = new Map<string, ComparisonVerdict[]>();
  for (const v of verdicts) {
    const k = `${v.a}\u0000${v.b}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  return [...groups.values()].flatMap((vs) => {
    const { a, b, expected } = vs[0];
    const values = forestRows(vs);
    if (!values.length) return [];
    const lo = Math.min(1 / 1.5, ...values.map((v) => v.shownLo)) / 1.3;
    const hi = Math.max(1.5, ...values.map((v) => v.shownHi)) * 1.3;
    const colour = {
      domain: ["holds", "fails", "undetermined", "A wins", "B wins", "no verdict"],
      range: [
        STATUS_COLOURS.holds,
        STATUS_COLOURS.fails,
        STATUS_COLOURS.undetermined,
        styles.get(a)?.color ?? "#0072B2",
        styles.get(b)?.color ?? "#D55E00",
        STATUS_COLOURS["no verdict"],
      ],
    };
    const present = colour.domain.filter((d) => values.some((v) => v.outcome === d));
    const scale = { domain: present, range: present.map((d) => colour.range[colour.domain.indexOf(d)]) };
    const y = { field: "row", type: "nominal", sort: values.map((v) => v.row), title: null, axis: { labelLimit: 260 } };
    const x = {
      type: "quantitative",
      scale: { type: "log", domain: [lo, hi], nice: false },
      axis: {
        title: `SubOpt(A) / SubOpt(B), geometric mean over seeds (log; < 1: A better)`,
        format: "~g",
        grid: true,
        values: logTicks(lo, hi),
      },
    };
    const height = Math.max(60, 18 * values.length);
    const tooltip = [
      { field: "row", title: "environment · budget" },
      { field: "ratio", format: ".3g", title: "SubOpt(A)/SubOpt(B)" },
      { field: "lo", format: ".3g", title: "95% t low" },
      { field: "hi", format: ".3g", title: "95% t high" },
      { field: "wins", title: "A lower (seeds)" },
      { field: "verdict", title: "verdict rule" },
      { field: "outcome" },
    ];
    const exp = expected === "none" ? "no claim (a check)" : `the paper expects ${expected === "A" ? a : b} to win`;
    return [
      {
        id: `claim-${slug(a)}-vs-${slug(b)}`,
        section: "claims" as const,
        title: `A = ${a} vs B = ${b}: ${exp}`,
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          hconcat: [
            {
              width: 520,
              height,
              data: { values },
              layer: [
                {
                  data: { values: [{ one: 1 }] },
                  mark: { type: "rule", color: "#444", strokeWidth: 1 },
                  encoding: { x: { field: "one", ...x } },
                },
                {
                  mark: { type: "rule", strokeWidth: 2 },
                  encoding: {
                    y,
                    x: { field: "shownLo", ...x },
                    x2: { field: "shownHi" },
                    color: { field: "outcome", type: "nominal", scale, legend: null },
                  },
                },
                {
                  mark: { type: "point", filled: true, size: 80, opacity: 1 },
                  encoding: {
                    y,
                    x: { field: "shown", ...x },
                    color: { field: "outcome", type: "nominal", scale, legend: null },
                    shape: {
                      field: "edge",
                      type: "nominal",
                      scale: { domain: ["in", "low", "high"], range: ["circle", "triangle-left", "triangle-right"] },
                      legend: null,
                    },
                    tooltip,
                  },
                },
                ...(["left", "right"] as const).map((align) => ({
                  transform: [{ filter: `datum.offScale && ${align === "right" ? "" : "!"}(datum.edge === 'high')` }],
                  mark: { type: "text", align, dx: align === "left" ? 8 : -8, dy: -8, fontSize: 11, color: "#222" },
                  encoding: { y, x: { field: "shown", ...x }, text: { field: "offLabel" } },
                })),
              ],
            },
            {
              width: 190,
              height,
              view: { stroke: null },
              data: { values },
              mark: { type: "text", align: "left", fontSize: 12 },
              encoding: {
                y: { ...y, axis: null },
                x: { value: 4 },
                text: { field: "side" },
                color: { field: "outcome", type: "nominal", scale, legend: null },
                tooltip,
              },
            },
          ],
          resolve: { scale: { color: "shared" } },
        },
      },
    ];
  });
}
