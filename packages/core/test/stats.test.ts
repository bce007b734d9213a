import { chiSquareQuantile, chiSquareTest, pairedVerdict, studentT975, summarize, upperIncompleteGammaQ } from "../src";

describe("statistics helpers", () => {
  it("Q(a, x) matches closed forms: Q(1, x) = e^{−x}, Q(1/2, x) = erfc(√x)", () => {
    for (const x of [0.01, 0.5, 1, 3, 10, 40]) expect(upperIncompleteGammaQ(1, x)).toBeCloseTo(Math.exp(-x), 13);
    // erfc(1) = 0.157299207050285...
    expect(upperIncompleteGammaQ(0.5, 1)).toBeCloseTo(0.15729920705028513, 12);
    // χ² with 10 dof at its 0.95 quantile 18.307038
    expect(1 - upperIncompleteGammaQ(5, 18.307038053275146 / 2)).toBeCloseTo(0.95, 8);
  });

  it("χ² test: exact counts give p = 1; a poor fit gives a tiny p; zero-probability cells hit are rejected", () => {
    expect(chiSquareTest([25, 25, 50], [0.25, 0.25, 0.5]).pValue).toBeCloseTo(1, 12);
    expect(chiSquareTest([40, 10, 50], [0.25, 0.25, 0.5]).pValue).toBeLessThan(1e-3);
    expect(chiSquareTest([1, 99], [0, 1]).pValue).toBe(0);
  });

  it("Student t quantiles and the paired verdict rule", () => {
    expect(studentT975(1)).toBe(12.706);
    expect(studentT975(1000)).toBeCloseTo(1.9623, 3);
    const s = summarize([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.stderr).toBeCloseTo(Math.sqrt(5 / 3 / 4), 14);
    const a = [1, 1.1, 0.9, 1, 1.05, 0.95];
    const b = a.map((v) => v + 0.5 + 0.01 * Math.sin(v * 100));
    const v = pairedVerdict(a, b);
    expect(v.aBeatsB).toBe(true);
    expect(v.wins).toBe(6);
    expect(pairedVerdict(b, a).aBeatsB).toBe(false);
    // a 2% gain, however significant, is below the 10% floor
    expect(
      pairedVerdict(
        a.map((x) => x * 0.98),
        a,
      ).aBeatsB,
    ).toBe(false);
  });
});

describe("chiSquareQuantile", () => {
  it("matches scipy.stats.chi2.ppf to 1e-9 relative", () => {
    const cases: [number, number, number][] = [
      [0.9, 10, 15.987179172105265],
      [0.5, 10, 9.34181776559197],
      [0.5, 1, 0.454936423119572],
      [0.99, 64, 93.21685966023843],
      [0.1, 3, 0.5843743741551835],
    ];
    for (const [p, k, want] of cases) expect(Math.abs(chiSquareQuantile(p, k) - want)).toBeLessThanOrEqual(1e-9 * want);
  });
});
