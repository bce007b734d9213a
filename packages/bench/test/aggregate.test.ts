import { leaders, summarizeCells } from "../src";

// Minimal ok rows: summarizeCells reads labels, budget, status and metrics.
const row = (environment: string, algorithm: string, budget: number, subopt: number) =>
  ({
    environment,
    algorithm,
    budget,
    status: "ok",
    wallMs: 1,
    metrics: { subopt, trueReward: 0, klToReference: 0, queries: budget, confidenceHeld: null },
  }) as never;

describe("summarizeCells", () => {
  it("orders cells by the suite (environment, algorithm, budget), not by when workers finished; unlisted labels last", () => {
    const rows = [
      row("H", "b", 1000, 0.1),
      row("R", "a", 300, 0.2),
      row("X", "a", 300, 0.3),
      row("H", "a", 300, 0.4),
      row("R", "b", 300, 0.5),
      row("H", "b", 300, 0.6),
    ];
    const cells = summarizeCells(rows, { environments: ["R", "H"], algorithms: ["a", "b"] });
    expect(cells.map((c) => `${c.environment}/${c.algorithm}/${c.budget}`)).toEqual([
      "R/a/300",
      "R/b/300",
      "H/a/300",
      "H/b/300",
      "H/b/1000",
      "X/a/300",
    ]);
  });

  it("pools the seeds of a cell: mean and a 95% t-interval of SubOpt, ok/failed counts", () => {
    const rows = [row("R", "a", 300, 1), row("R", "a", 300, 2), row("R", "a", 300, 3)];
    const [c] = summarizeCells(rows);
    expect(c.ok).toBe(3);
    expect(c.failed).toBe(0);
    expect(c.subopt.mean).toBeCloseTo(2, 15);
    // sd = 1, n = 3: half-width t_{0.975, 2}·1/√3, with core's tabulated t_{0.975, 2} = 4.303 (3 decimals)
    expect(c.subopt.stderr).toBeCloseTo(1 / Math.sqrt(3), 15);
    expect(c.subopt.ci95).toBeCloseTo(4.303 / Math.sqrt(3), 12);
  });
});

describe("leaders", () => {
  const seeded = (algorithm: string, seed: number, subopt: number) =>
    ({ ...(row("R", algorithm, 300, subopt) as object), seed }) as never;

  it("names the lowest mean SubOpt and keeps beside it only those the paired verdict rule cannot separate", () => {
    const rows: never[] = [];
    for (let s = 0; s < 8; s++) {
      const noise = 0.001 * ((s * 7) % 5); // the same per-seed wiggle for every algorithm: pairing removes it
      rows.push(
        seeded("best", s, 0.1 + noise),
        seeded("tied", s, 0.1 + noise + (s % 2 ? 0.002 : -0.001)), // 0.5% worse on average: no verdict
        seeded("worse", s, 0.2 + noise), // twice the SubOpt on every seed
      );
    }
    const cells = summarizeCells(rows, { environments: ["R"], algorithms: ["best", "tied", "worse"] });
    const [l] = leaders(rows, cells);
    expect(l.leader).toBe("best");
    expect(l.mean).toBeCloseTo(0.1 + (0.001 * (0 + 2 + 4 + 1 + 3 + 0 + 2 + 4)) / 8, 12);
    expect(l.withinNoise).toEqual(["tied"]);
    expect(l.of).toBe(3);
  });
});
