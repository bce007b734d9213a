import { compare, leaders, summarizeCells } from "../src";
import { leaderRows } from "../src/aggregate";
import { RATIO_CAP, comparisonCharts, forestRows } from "../src/comparison-charts";
import { claimLines, headline } from "../src/headline";
import { claimsText, fitTable, headlineText } from "../src/headline-render";
import { PALETTE, algorithmStyles } from "../src/identity";
import { relabelSeedCounts } from "../src/seed-labels";

// Minimal ok rows: what the headline, the verdicts and the leaders read.
const row = (environment: string, algorithm: string, budget: number, seed: number, subopt: number, ref = 1) =>
  ({
    environment,
    algorithm,
    budget,
    seed,
    status: "ok",
    wallMs: 1,
    referenceSubopt: ref,
    metrics: { subopt, trueReward: 0, klToReference: 0, queries: budget, confidenceHeld: null },
  }) as never;

const T975_2 = 4.303; // core's tabulated t_{0.975, 2}

describe("forest plot of a comparison", () => {
  it("shows the mean paired log-ratio with the t interval on n − 1 degrees of freedom", () => {
    // log(a/b) per seed: ln 0.5, 0, ln 2: mean 0, sd ln 2
    const rows = [1, 2, 4].flatMap((a, s) => [row("R", "A", 300, s, a), row("R", "B", 300, s, 2)]);
    const [v] = compare(rows, [{ a: "A", b: "B", expected: "A" }]);
    expect(v.logRatio!.mean).toBeCloseTo(0, 15);
    expect(v.logRatio!.ci95).toBeCloseTo((T975_2 * Math.LN2) / Math.sqrt(3), 12);
    const [f] = forestRows([v]);
    expect(f.ratio).toBeCloseTo(1, 15);
    expect(f.lo).toBeCloseTo(Math.exp(-(T975_2 * Math.LN2) / Math.sqrt(3)), 12);
    expect(f.hi).toBeCloseTo(Math.exp((T975_2 * Math.LN2) / Math.sqrt(3)), 12);
    expect(f.offScale).toBe(false);
    // no verdict either way: the claim that A wins is undetermined
    expect(v.claim).toBe("undetermined");
  });

  it("marks an effect beyond the axis and prints its value; it is never clipped silently", () => {
    const rows = [1e-5, 2e-5, 1.5e-5].flatMap((a, s) => [row("P", "A", 300, s, a), row("P", "B", 300, s, 1)]);
    const verdicts = compare(rows, [{ a: "A", b: "B", expected: "B" }]);
    const [f] = forestRows(verdicts);
    expect(f.ratio).toBeLessThan(1 / RATIO_CAP);
    expect(f.offScale).toBe(true);
    expect(f.edge).toBe("low");
    expect(f.shown).toBe(1 / RATIO_CAP);
    expect(f.offLabel).toMatch(/^×1\.\de-5 \[/);
    // A wins by the rule, and the paper expected B: the claim fails
    expect(verdicts[0].claim).toBe("fails");
    const [chart] = comparisonCharts(verdicts, algorithmStyles(["A", "B"]));
    const text = JSON.stringify(chart.spec);
    expect(text).toContain(f.offLabel);
    expect(text).toContain("triangle-left");
  });

  it("says holds where the expected side wins and claims nothing where no side is expected", () => {
    const rows = [0, 1, 2, 3].flatMap((s) => [row("R", "A", 300, s, 0.1 + 0.01 * s), row("R", "B", 300, s, 0.5)]);
    const [held] = compare(rows, [{ a: "A", b: "B", expected: "A" }]);
    expect(held.claim).toBe("holds");
    const [none] = compare(rows, [{ a: "A", b: "B" }]);
    expect(none.expected).toBe("none");
    expect(none.claim).toBeNull();
    expect(claimLines([none])).toEqual([]);
    const [line] = claimLines([held]);
    expect(line.counts).toEqual({ holds: 1, fails: 0, undetermined: 0 });
    expect(claimsText([line], 4)).toMatch(/A beats B — R: holds/);
  });
});

describe("headline matrix", () => {
  const rows: never[] = [];
  for (let s = 0; s < 6; s++) {
    const wiggle = 0.002 * ((s * 5) % 3);
    rows.push(
      row("R", "best", 1000, s, 0.1 + wiggle, 1 + 0.1 * s),
      row("R", "tied", 1000, s, 0.1 + wiggle + (s % 2 ? 0.004 : -0.003), 1 + 0.1 * s),
      row("R", "worse", 1000, s, 0.5 + wiggle, 1 + 0.1 * s),
      row("R", "worse than π0", 1000, s, 2 + wiggle, 1 + 0.1 * s),
      row("R", "small budget only", 300, s, 0.05, 1 + 0.1 * s),
    );
  }
  const h = headline(rows, ["R"], ["best", "tied", "worse", "worse than π0", "small budget only"]);
  const cell = (a: string) => h.cells.find((c) => c.algorithm === a)!;

  it("is the share of π0's gap closed per seed, with its t interval", () => {
    const shares = Array.from({ length: 6 }, (_, s) => 1 - (0.5 + 0.002 * ((s * 5) % 3)) / (1 + 0.1 * s));
    const mean = shares.reduce((a, b) => a + b, 0) / 6;
    const sd = Math.sqrt(shares.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
    expect(cell("worse").share!.mean).toBeCloseTo(mean, 14);
    expect(cell("worse").share!.ci95).toBeCloseTo((2.571 * sd) / Math.sqrt(6), 12); // t_{0.975, 5}
    expect(cell("worse than π0").share!.mean).toBeLessThan(0);
  });

  it("marks the best of the column and the algorithms the verdict rule cannot separate from it", () => {
    expect(h.budgets.get("R")).toBe(1000);
    expect(cell("best").best || cell("tied").best).toBe(true);
    expect(cell("best").best ? cell("tied").tie : cell("best").tie).toBe(true);
    expect(cell("worse").best || cell("worse").tie).toBe(false);
    // ran only at 300 queries: shown at its own budget, never ranked against the column's 1000
    expect(cell("small budget only").budget).toBe(300);
    expect(cell("small budget only").best || cell("small budget only").tie).toBe(false);
    expect(headlineText(h)).toMatch(/\[300\]/);
  });

  it("puts environments without r* into their own table of win rates", () => {
    const nt = [0, 1, 2].flatMap((s) => [
      { ...(row("NT", "a", 300, s, 0) as object), metrics: { subopt: null, winRateVsReference: 0.6 + 0.01 * s } },
      { ...(row("NT", "b", 300, s, 0) as object), metrics: { subopt: null, winRateVsReference: 0.3 + 0.01 * s } },
    ]) as never[];
    const g = headline([...rows, ...nt], ["R", "NT"], []);
    expect(g.environments).toEqual(["R"]);
    expect(g.nonTransitive.map((c) => c.algorithm)).toEqual(["a", "b"]);
    expect(g.nonTransitive.find((c) => c.algorithm === "a")!.best).toBe(true);
    expect(headlineText(g)).toMatch(/win rate vs π0/);
  });

  it("fits 120 columns however many environments there are", () => {
    const envs = Array.from({ length: 12 }, (_, i) => `environment number ${i}`);
    const text = fitTable(
      ["share of π0's gap closed", ...envs],
      [["an algorithm with a long label", ...envs.map(() => "99.9% ± 0.1 ★")]],
    );
    expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThanOrEqual(120);
    expect(text.split("\n\n").length).toBeGreaterThan(1);
  });
});

describe("a 1-seed run", () => {
  const rows = ["a", "b", "c"].map((a, i) => row("R", a, 300, 0, 0.1 * (i + 1)));

  it("shows no verdict anywhere: no comparison, no best or tie, leaders say why", () => {
    expect(compare(rows, [{ a: "a", b: "b", expected: "A" }])).toEqual([]);
    const h = headline(rows, ["R"], ["a", "b", "c"]);
    expect(h.seeds).toBe(1);
    expect(h.cells.some((c) => c.best || c.tie)).toBe(false);
    expect(headlineText(h)).toMatch(/1 seed: no verdict possible/);
    const cells = summarizeCells(rows);
    expect(leaderRows(leaders(rows, cells))[0][3]).toBe("1 seed: no verdict possible");
    expect(claimsText([], 1)).toMatch(/1 seed: no verdict possible/);
  });

  it("relabels entries whose label promises more seeds than the run had", () => {
    const r = [row("T", "online enhancer, 3 seeds", 300, 0, 0.1)];
    const out = relabelSeedCounts(r, {
      name: "text",
      algorithms: [{ label: "online enhancer, 3 seeds" }],
      comparisons: [{ a: "online enhancer, 3 seeds", b: "DPO" }],
    });
    expect((out.rows[0] as { algorithm: string }).algorithm).toBe("online enhancer, 1 seed");
    expect(out.suite.comparisons![0].a).toBe("online enhancer, 1 seed");
  });
});

describe("algorithm identity", () => {
  it("is keyed to the algorithm's name: the same colour and marker in two different suites", () => {
    const defaultSuite = ["β=0 (MLE-Gibbs)", "Option II β=1", "online enhancer", "online on-policy", "DPO", "RSO N=64"];
    const textSuite = ["DPO", "RSO N=64, V=2048", "online enhancer, 3 seeds", "β=0 (MLE-Gibbs)", "neural DPO"];
    const a = algorithmStyles(defaultSuite);
    const b = algorithmStyles(textSuite);
    for (const l of ["β=0 (MLE-Gibbs)", "DPO"]) expect(b.get(l)).toEqual(a.get(l));
    // a seed-count qualifier does not change the algorithm
    expect(b.get("online enhancer, 3 seeds")!.color).toBe(a.get("online enhancer")!.color);
  });

  it("uses no grey or black, and gives the labels of one suite distinct (colour, marker) pairs", () => {
    const grey = (c: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
      return Math.max(r, g, b) - Math.min(r, g, b) < 40;
    };
    expect(PALETTE.filter(grey)).toEqual([]);
    const labels = Array.from({ length: 40 }, (_, i) => `algorithm ${i}`);
    const styles = algorithmStyles(labels);
    expect(new Set(labels.map((l) => `${styles.get(l)!.color}|${styles.get(l)!.marker}`)).size).toBe(40);
  });
});
