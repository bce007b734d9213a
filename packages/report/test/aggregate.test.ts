import { compare, leaders, summarizeCells } from "../src";

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

describe("compare (the verdict rule: paired by seed, difference > 2 SE and a gain of at least 10% of B's mean)", () => {
  const seeded = (algorithm: string, seed: number, subopt: number, budget = 300) =>
    ({ ...(row("R", algorithm, budget, subopt) as object), seed }) as never;
  const comparisons = [{ a: "a", b: "b" }];

  it("pairs by seed: a per-seed offset shared by both cancels, and the verdict, mean difference and SE are exact", () => {
    const rows: never[] = [];
    // b − a = 0.1 + 0.01·(s − 2.5) per seed: mean 0.1, sd of {−0.025…0.025 by 0.01} = 0.01·√(17.5/5)
    for (let s = 0; s < 6; s++)
      rows.push(seeded("a", s, 0.2 + 0.01 * s), seeded("b", s, 0.2 + 0.01 * s + 0.1 + 0.01 * (s - 2.5)));
    const [v] = compare(rows, comparisons);
    expect(v.pairs).toBe(6);
    expect(v.wins).toBe(6);
    expect(v.meanDifference).toBeCloseTo(0.1, 12);
    expect(v.stderr).toBeCloseTo((0.01 * Math.sqrt(17.5 / 5)) / Math.sqrt(6), 12);
    // the gain is relative to B's mean SubOpt: 0.1 / (0.2 + 0.025 + 0.1)
    expect(v.relativeGain).toBeCloseTo(0.1 / 0.325, 12);
    expect(v.verdict).toBe("a beats b");
  });

  it("a difference within 2 SE, or a gain below 10%, is no verdict; the loser side is named when B wins", () => {
    const noisy: never[] = [];
    for (let s = 0; s < 6; s++) noisy.push(seeded("a", s, 1), seeded("b", s, 1 + (s % 2 ? 0.5 : -0.45)));
    expect(compare(noisy, comparisons)[0].verdict).toBe("no verdict");
    const small: never[] = [];
    for (let s = 0; s < 6; s++) small.push(seeded("a", s, 1), seeded("b", s, 1.05)); // 5% gain, zero noise
    expect(compare(small, comparisons)[0].verdict).toBe("no verdict");
    const reversed: never[] = [];
    for (let s = 0; s < 6; s++) reversed.push(seeded("a", s, 2), seeded("b", s, 1));
    expect(compare(reversed, comparisons)[0].verdict).toBe("b beats a");
  });

  it("only seeds both sides have count, fewer than 2 shared seeds give no row, and each budget is its own cell", () => {
    const rows = [seeded("a", 0, 1), seeded("a", 1, 1), seeded("b", 1, 2), seeded("b", 2, 2)];
    expect(compare(rows, comparisons)).toEqual([]);
    rows.push(seeded("a", 2, 1), seeded("a", 0, 5, 1000), seeded("b", 0, 5, 1000));
    const out = compare(rows, comparisons);
    expect(out.map((v) => [v.budget, v.pairs])).toEqual([[300, 2]]);
  });
});
