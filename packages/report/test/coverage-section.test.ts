import type { ResultRow } from "../src/result-row";
import { coverageCells, coverageHtml } from "../src/coverage-section";

const cov = (policyUnseen: number, referenceUnseen: number, ratio: number) => ({
  records: 30,
  behaviour: "reference",
  optimal: { maxDensityRatio: 4, chi2Coverage: 2, unseenMass: 0.01 },
  policy: { maxDensityRatio: ratio, chi2Coverage: 1.5, unseenMass: policyUnseen },
  referenceUnseenMass: referenceUnseen,
});
const row = (seed: number, algorithm: string, subopt: number, coverage?: object) =>
  ({
    status: "ok",
    environment: "P",
    algorithm,
    budget: 30,
    seed,
    metrics: { subopt },
    ...(coverage ? { coverage } : {}),
  }) as unknown as ResultRow;

describe("the coverage section", () => {
  it("averages each cell over seeds, with the mass moved onto untouched responses net of π0's", () => {
    const cells = coverageCells([
      row(0, "DPO", 0.2, cov(0.3, 0.1, 5)),
      row(1, "DPO", 0.4, cov(0.5, 0.1, Infinity)),
      row(0, "χ²PO", 0.1, cov(0.1, 0.1, 2)),
      row(0, "online", 0.1), // no coverage diagnostics: not in the section
    ]);
    expect(cells.map((c) => [c.algorithm, c.seeds])).toEqual([
      ["DPO", 2],
      ["χ²PO", 1],
    ]);
    expect(cells[0].subopt).toBeCloseTo(0.3, 12);
    expect(cells[0].movedUnseen).toBeCloseTo(0.3, 12);
    expect(cells[0].policyMaxRatio).toBe(Infinity);
    expect(cells[1].movedUnseen).toBeCloseTo(0, 12);
    const html = coverageHtml(
      [row(0, "DPO", 0.2, cov(0.3, 0.1, 5))],
      (h, b) => `${h.join("|")}\n${b.map((r) => r.join("|")).join("\n")}`,
      (s) => s,
    );
    expect(html).toContain("P|30|DPO|1|0.2000|0.0100|4.0000|2.0000|0.3000|0.2000|5.0000");
    expect(
      coverageHtml(
        [row(0, "online", 0.1)],
        () => "",
        (s) => s,
      ),
    ).toBe("");
  });
});
