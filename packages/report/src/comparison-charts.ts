import type { ComparisonVerdict } from "./aggregate";
import type { Chart } from "./render";
import type { AlgorithmStyle } from "./identity";
import { VEGA_LITE_SCHEMA } from "./render";

/** Relative gains below this are drawn at it (and marked clipped): a −60 000% loss would flatten every other point. */
export const GAIN_FLOOR = -3;

/**
 * One chart per declared comparison and environment: the paired relative gain of A over B, (SubOpt(B) − SubOpt(A)) /
 * SubOpt(B), against the budget, with the verdict rule's ±2 SE interval, a zero line and the 10% line the rule asks
 * for; each point coloured by its verdict (A's identity when A wins, B's when B wins, grey otherwise) and the title
 * saying where A wins, loses or ties.
 */
export function comparisonCharts(verdicts: readonly ComparisonVerdict[], styles: Map<string, AlgorithmStyle>): Chart[] {
  const groups = new Map<string, ComparisonVerdict[]>();
  for (const v of verdicts) {
    const k = `${v.environment}\u0000${v.a}\u0000${v.b}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  let i = 0;
  return [...groups.values()].map((vs) => {
    const { a, b, environment } = vs[0];
    const outcome = (v: ComparisonVerdict) =>
      v.verdict === `${a} beats ${b}` ? "A wins" : v.verdict === `${b} beats ${a}` ? "B wins" : "no verdict";
    const values = vs.map((v) => {
      // relativeGain = mean(B − A) / |mean B|: the same scale turns the 2-SE half-width into a relative one
      const scale = v.meanDifference !== 0 && v.relativeGain !== 0 ? v.relativeGain / v.meanDifference : 0;
      const gain = v.relativeGain;
      const lo = (v.meanDifference - 2 * v.stderr) * scale;
      const hi = (v.meanDifference + 2 * v.stderr) * scale;
      return {
        budget: v.budget,
        gain: Math.max(gain, GAIN_FLOOR),
        lo: Math.max(Math.min(lo, hi), GAIN_FLOOR),
        hi: Math.max(Math.max(lo, hi), GAIN_FLOOR),
        clipped: gain < GAIN_FLOOR,
        trueGain: gain,
        outcome: outcome(v),
        wins: `${v.wins}/${v.pairs}`,
      };
    });
    const by = (o: string) => vs.filter((v) => outcome(v) === o).map((v) => v.budget);
    const said = [
      by("A wins").length ? `A wins at ${by("A wins").join(", ")}` : "",
      by("B wins").length ? `B wins at ${by("B wins").join(", ")}` : "",
      by("no verdict").length ? `no verdict at ${by("no verdict").join(", ")}` : "",
    ].filter(Boolean);
    const budgets = vs.map((v) => v.budget);
    const colour = {
      domain: ["A wins", "B wins", "no verdict"],
      range: [styles.get(a)?.color ?? "#0072B2", styles.get(b)?.color ?? "#D55E00", "#999999"],
    };
    const x = {
      field: "budget",
      type: "quantitative",
      scale: { type: "log", domain: [Math.min(...budgets) / 1.3, Math.max(...budgets) * 1.3], nice: false },
      axis: { values: budgets, format: "~s", title: "preference queries (budget)" },
    };
    const y = { type: "quantitative", axis: { format: "%" }, title: "A's gain over B" };
    return {
      id: `claim-${++i}`,
      section: "claims" as const,
      title: `A = ${a} vs B = ${b} — ${environment}: ${said.join("; ")}`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: 300,
        height: 170,
        layer: [
          {
            data: { values: [{ y: 0 }] },
            mark: { type: "rule", color: "#444" },
            encoding: { y: { field: "y", ...y } },
          },
          {
            data: { values: [{ y: 0.1 }] },
            mark: { type: "rule", color: "#bbb", strokeDash: [3, 3] },
            encoding: { y: { field: "y", type: "quantitative" } },
          },
          {
            data: { values },
            mark: { type: "rule", strokeWidth: 2 },
            encoding: {
              x,
              y: { field: "lo", ...y },
              y2: { field: "hi" },
              color: { field: "outcome", type: "nominal", scale: colour, legend: { title: null, orient: "bottom" } },
            },
          },
          {
            data: { values },
            mark: { type: "point", filled: true, size: 70, opacity: 1 },
            encoding: {
              x,
              y: { field: "gain", ...y },
              color: { field: "outcome", type: "nominal", scale: colour, legend: { title: null, orient: "bottom" } },
              shape: {
                field: "clipped",
                type: "nominal",
                scale: { domain: [false, true], range: ["circle", "triangle-down"] },
                legend: null,
              },
              tooltip: [
                { field: "budget" },
                { field: "trueGain", format: ".1%", title: "gain (A over B)" },
                { field: "lo", format: ".1%", title: "−2 SE" },
                { field: "hi", format: ".1%", title: "+2 SE" },
                { field: "wins", title: "A wins (seeds)" },
                { field: "outcome", title: "verdict" },
              ],
            },
          },
        ],
      },
    };
  });
}
