import type { ResultRow } from "../src/result-row";
import { displacementCharts, trainingLossCharts } from "../src/training-charts";

const row = (seed: number, extra: object) =>
  ({
    status: "ok",
    environment: "S",
    algorithm: "Markov MLP",
    budget: 1000,
    seed,
    metrics: { subopt: 0.3 },
    trainingLoss: { step: [1, 2, 4], loss: [0.69, 0.68, 0.6 + seed / 100] },
    ...extra,
  }) as unknown as ResultRow;

describe("training curves in the report", () => {
  it("average the held-out curve over seeds beside the training loss, carrying a stopped seed's last value", () => {
    const rows = [
      row(0, { heldOutLoss: { step: [0, 2, 4], loss: [0.693, 0.69, 0.7] } }),
      row(1, { heldOutLoss: { step: [0, 2], loss: [0.693, 0.68] } }), // stopped at step 2
    ];
    const [chart] = trainingLossCharts(rows, "S");
    const values = (chart.spec.data as { values: { step: number; loss: number; curve: string }[] }).values;
    const held = values.filter((v) => v.curve === "held-out");
    expect(held.map((v) => v.step)).toEqual([2, 4]); // step 0 is off a log axis
    expect(held[0].loss).toBeCloseTo((0.69 + 0.68) / 2, 12);
    expect(held[1].loss).toBeCloseTo((0.7 + 0.68) / 2, 12);
    const train = values.filter((v) => v.curve === "training");
    expect(train.find((v) => v.step === 4)!.loss).toBeCloseTo(0.605, 12);
    expect(chart.title).toMatch(/held-out/);
  });

  it("draw the likelihood displacement (chosen, rejected, unseen mass) per budget", () => {
    const d = { step: [0, 10], chosen: [0, -1], rejected: [0, -2], unseenMass: [0.9, 0.95] };
    const [chart] = displacementCharts(
      [row(0, { likelihoodDisplacement: d }), row(1, { likelihoodDisplacement: d })],
      "S",
    );
    const values = (chart.spec.data as { values: { step: number; value: number; series: string }[] }).values;
    expect(values.filter((v) => v.series === "rejected" && v.step === 10)[0].value).toBe(-2);
    expect(values.filter((v) => v.series === "unseen").map((v) => v.value)).toEqual([0.9, 0.95]);
    expect(displacementCharts([row(0, {})], "S")).toEqual([]);
  });
});
