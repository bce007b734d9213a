import type { OkRow, ResultRow } from "./result-row";
import { type Chart, VEGA_LITE_SCHEMA, slug } from "./render";

/**
 * A per-step curve averaged over seeds: at each step any seed recorded, the mean of each seed's latest value at or
 * before it (a seed whose training stopped carries its last value forward).
 */
function meanCurve(
  curves: readonly { step: readonly number[]; value: readonly number[] }[],
): { step: number; value: number }[] {
  const steps = [...new Set(curves.flatMap((c) => c.step))].sort((a, b) => a - b);
  const out: { step: number; value: number }[] = [];
  for (const step of steps) {
    let sum = 0;
    let n = 0;
    for (const c of curves) {
      let j = -1;
      while (j + 1 < c.step.length && c.step[j + 1] <= step) j++;
      if (j >= 0) {
        sum += c.value[j];
        n++;
      }
    }
    if (n) out.push({ step, value: sum / n });
  }
  return out;
}

/** Rows of one environment grouped by algorithm label, then budget (both in first-seen / ascending order). */
function byAlgorithmAndBudget(rows: readonly OkRow[]): [string, [number, OkRow[]][]][] {
  const algorithms = [...new Set(rows.map((r) => r.algorithm))];
  return algorithms.map((a) => {
    const mine = rows.filter((r) => r.algorithm === a);
    const budgets = [...new Set(mine.map((r) => r.budget))].sort((x, y) => x - y);
    return [a, budgets.map((b) => [b, mine.filter((r) => r.budget === b)] as [number, OkRow[]])];
  });
}

/**
 * Training loss per optimizer step (per pair), one chart per algorithm that reports it (algorithms' losses differ in
 * kind: DPO's full-batch objective includes its ridge, the neural policies' is a minibatch mean), averaged over seeds
 * per step, one colour per budget; where the algorithm held pairs out, its held-out loss beside it (dashed, from
 * the first evaluation after training began: a log axis has no step 0).
 */
export function trainingLossCharts(rows: readonly ResultRow[], env: string): Chart[] {
  const withLoss = rows.filter((r): r is OkRow => r.status === "ok" && r.environment === env && !!r.trainingLoss);
  return byAlgorithmAndBudget(withLoss).map(([algorithm, groups], k) => {
    const values: { budget: number; step: number; loss: number; curve: string }[] = [];
    for (const [budget, rs] of groups) {
      for (const p of meanCurve(rs.map((r) => ({ step: r.trainingLoss!.step, value: r.trainingLoss!.loss }))))
        values.push({ budget, step: p.step, loss: p.value, curve: "training" });
      const held = rs.flatMap((r) => (r.heldOutLoss ? [{ step: r.heldOutLoss.step, value: r.heldOutLoss.loss }] : []));
      for (const p of meanCurve(held))
        if (p.step > 0) values.push({ budget, step: p.step, loss: p.value, curve: "held-out" });
    }
    const hasHeldOut = values.some((v) => v.curve === "held-out");
    return {
      id: `loss-${slug(env)}-${k + 1}`,
      section: "diagnostics" as const,
      title: `Training${hasHeldOut ? " and held-out" : ""} loss per optimizer step (${algorithm}; mean over seeds) — ${env}`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        width: 320,
        height: 200,
        data: { values },
        mark: { type: "line", point: { filled: true, size: 25 } },
        encoding: {
          x: { field: "step", type: "quantitative", scale: { type: "log" }, title: "optimizer step" },
          y: { field: "loss", type: "quantitative", scale: { zero: false }, title: "loss per pair" },
          color: { field: "budget", type: "ordinal", title: "queries", scale: { scheme: "viridis" } },
          ...(hasHeldOut
            ? {
                strokeDash: {
                  field: "curve",
                  type: "nominal",
                  title: "loss",
                  scale: {
                    domain: ["training", "held-out"],
                    range: [
                      [1, 0],
                      [5, 3],
                    ],
                  },
                },
                detail: { field: "curve" },
              }
            : {}),
          tooltip: [{ field: "budget" }, { field: "curve" }, { field: "step" }, { field: "loss", format: ".5g" }],
        },
      },
    };
  });
}

/**
 * Likelihood displacement along training, one chart per algorithm that reports it: the mean log π/π0 of the
 * training pairs' chosen (solid) and rejected (dashed) responses, and the probability mass on responses in no pair,
 * averaged over seeds, one colour per budget. Read with the SubOpt tables: DPO's margin (chosen − rejected) can rise
 * while the chosen responses' own likelihood falls and the mass moves to responses no one labelled.
 */
export function displacementCharts(rows: readonly ResultRow[], env: string): Chart[] {
  const withDisp = rows.filter(
    (r): r is OkRow => r.status === "ok" && r.environment === env && !!r.likelihoodDisplacement,
  );
  return byAlgorithmAndBudget(withDisp).map(([algorithm, groups], k) => {
    const values: { budget: number; step: number; value: number; series: string; panel: string }[] = [];
    for (const [budget, rs] of groups) {
      const curve = (pick: (d: NonNullable<OkRow["likelihoodDisplacement"]>) => readonly number[]) =>
        meanCurve(rs.map((r) => ({ step: r.likelihoodDisplacement!.step, value: pick(r.likelihoodDisplacement!) })));
      for (const p of curve((d) => d.chosen))
        values.push({ budget, step: p.step, value: p.value, series: "chosen", panel: "log π/π0 (training pairs)" });
      for (const p of curve((d) => d.rejected))
        values.push({ budget, step: p.step, value: p.value, series: "rejected", panel: "log π/π0 (training pairs)" });
      for (const p of curve((d) => d.unseenMass))
        values.push({ budget, step: p.step, value: p.value, series: "unseen", panel: "mass on responses in no pair" });
    }
    const layer = (panel: string, title: string) => ({
      width: 260,
      height: 180,
      transform: [{ filter: { field: "panel", equal: panel } }],
      mark: { type: "line", point: { filled: true, size: 20 } },
      encoding: {
        x: { field: "step", type: "quantitative", scale: { type: "symlog" }, title: "optimizer step" },
        y: { field: "value", type: "quantitative", scale: { zero: false }, title },
        color: { field: "budget", type: "ordinal", title: "queries", scale: { scheme: "viridis" } },
        strokeDash: {
          field: "series",
          type: "nominal",
          title: "responses",
          scale: {
            domain: ["chosen", "rejected", "unseen"],
            range: [
              [1, 0],
              [5, 3],
              [1, 0],
            ],
          },
        },
        detail: { field: "series" },
        tooltip: [{ field: "budget" }, { field: "series" }, { field: "step" }, { field: "value", format: ".4g" }],
      },
    });
    return {
      id: `displacement-${slug(env)}-${k + 1}`,
      section: "diagnostics" as const,
      title: `Likelihood displacement along training (${algorithm}; mean over seeds; exact) — ${env}`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
        data: { values },
        hconcat: [
          layer("log π/π0 (training pairs)", "mean log π/π0: chosen (solid), rejected (dashed)"),
          layer("mass on responses in no pair", "probability mass off the data"),
        ],
      },
    };
  });
}
