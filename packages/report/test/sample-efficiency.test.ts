import { formatRatio, queriesToEpsilon, ratioBounds, sampleEfficiency } from "../src";

/** A minimal ok row with SubOpt(π0) recorded: what `sampleEfficiency` reads. */
const row = (algorithm: string, budget: number, seed: number, subopt: number, referenceSubopt = 1) =>
  ({ environment: "E", algorithm, budget, seed, status: "ok", referenceSubopt, metrics: { subopt } }) as never;

describe("queriesToEpsilon", () => {
  it("interpolates in (log budget, log SubOpt): SubOpt = 20/b reaches 0.1 at exactly b = 200", () => {
    expect(queriesToEpsilon([100, 1000, 10000], [0.2, 0.02, 0.002], 0.1)).toBeCloseTo(200, 9);
    // SubOpt = 5/√b reaches 0.1 at b = 2500, between the budgets 1000 and 10 000.
    expect(queriesToEpsilon([100, 1000, 10000], [0.5, 5 / Math.sqrt(1000), 0.05], 0.1)).toBeCloseTo(2500, 6);
  });

  it("is the smallest budget when that already reaches ε, and Infinity when no budget does", () => {
    expect(queriesToEpsilon([100, 1000], [0.05, 0.01], 0.1)).toBe(100);
    expect(queriesToEpsilon([100, 1000], [0.5, 0.2], 0.1)).toBe(Infinity);
  });
});

describe("ratioBounds", () => {
  const budgets = [100, 1000, 10000];
  it("is exact when both N_ε are read off the curves, one-sided where the grid censors one", () => {
    expect(ratioBounds(400, 200, budgets)).toEqual({ lo: 2, hi: 2 });
    expect(ratioBounds(400, 100, budgets)).toEqual({ lo: 4, hi: Infinity }); // own ≤ 100
    expect(ratioBounds(100, 400, budgets)).toEqual({ lo: 0, hi: 0.25 }); // baseline ≤ 100
    expect(ratioBounds(Infinity, 500, budgets)).toEqual({ lo: 20, hi: Infinity }); // baseline > 10 000
    expect(ratioBounds(500, Infinity, budgets)).toEqual({ lo: 0, hi: 0.05 });
    expect(formatRatio(ratioBounds(100, 100, budgets))).toBe("—");
    expect(formatRatio(ratioBounds(Infinity, Infinity, budgets))).toBe("—");
  });
});

describe("sampleEfficiency", () => {
  const budgets = [100, 1000, 10000];
  it("reads N_ε off the seed-mean of SubOpt/SubOpt(π0) and the ratio to the baseline; equal seeds give a point interval", () => {
    const rows: never[] = [];
    for (const seed of [0, 1, 2, 3])
      for (const b of budgets) {
        // Each seed's instance has its own SubOpt(π0); the normalised curves are 20/b (fast) and 40/b (baseline).
        const ref = 0.5 + seed;
        rows.push(row("fast", b, seed, (ref * 20) / b, ref), row("base", b, seed, (ref * 40) / b, ref));
      }
    const out = sampleEfficiency(rows, { epsilons: [0.1], baseline: "base", resamples: 200 });
    const fast = out.find((s) => s.algorithm === "fast")!;
    expect(fast.queries).toBeCloseTo(200, 9);
    expect(fast.ratio.lo).toBeCloseTo(2, 9);
    expect(fast.ratio.hi).toBeCloseTo(2, 9);
    expect(fast.interval[0]).toBeCloseTo(200, 9);
    expect(fast.interval[1]).toBeCloseTo(200, 9);
    expect(fast.ratioInterval[0]).toBeCloseTo(2, 9);
    expect(fast.seeds).toBe(4);
    expect(out.find((s) => s.algorithm === "base")!.ratio.lo).toBeCloseTo(1, 12);
  });

  it("pairs seeds: the interval covers the spread across seeds; a baseline that never reaches ε bounds the ratio below", () => {
    const rows: never[] = [];
    for (const seed of [0, 1, 2, 3, 4, 5, 6, 7])
      for (const b of budgets) {
        const c = 10 + 10 * seed; // seed s reaches 0.1 at 100 + 100 s queries on its own
        rows.push(row("rule", b, seed, c / b), row("never", b, seed, 0.5));
      }
    const out = sampleEfficiency(rows, { epsilons: [0.1], baseline: "never", resamples: 500 });
    const rule = out.find((s) => s.algorithm === "rule")!;
    // The mean curve is 45/b: N = 450, and resampled means lie between the extreme seeds' (100 and 800).
    expect(rule.queries).toBeCloseTo(450, 9);
    expect(rule.interval[0]).toBeGreaterThanOrEqual(100);
    expect(rule.interval[0]).toBeLessThan(450);
    expect(rule.interval[1]).toBeGreaterThan(450);
    expect(rule.interval[1]).toBeLessThanOrEqual(800);
    // The baseline needs more than 10 000 queries: the ratio is ≥ 10 000 / 450.
    expect(rule.ratio.lo).toBeCloseTo(10000 / 450, 9);
    expect(rule.ratio.hi).toBe(Infinity);
    expect(formatRatio(rule.ratio)).toBe("≥ 22.22");
    const never = out.find((s) => s.algorithm === "never")!;
    expect(never.queries).toBe(Infinity);
    expect(formatRatio(never.ratio)).toBe("—");
  });

  it("ignores rows without SubOpt(π0) (suites that did not ask for it)", () => {
    const rows = budgets.map((b) => ({ ...(row("a", b, 0, 1 / b) as object), referenceSubopt: undefined }) as never);
    expect(sampleEfficiency(rows, { epsilons: [0.1], baseline: "a", resamples: 100 })).toEqual([]);
  });
});
