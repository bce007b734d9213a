import { estimateRunSeconds } from "../src";

const trial = (environment: string, algorithm: string, budget: number) =>
  ({ environment: { label: environment }, algorithm: { label: algorithm }, budget }) as never;
const row = (environment: string, algorithm: string, budget: number, wallMs: number) =>
  ({ environment, algorithm, budget, wallMs }) as never;

describe("estimateRunSeconds", () => {
  it("sums each trial's cell median (the upper middle of an even count) over the workers; unmatched cells are counted apart", () => {
    const rows = [
      row("S", "dpo", 300, 1000),
      row("S", "dpo", 300, 3000),
      row("S", "dpo", 300, 2000),
      row("S", "rso", 300, 4000),
      row("S", "rso", 300, 8000),
      row("S", "dpo", 1000, 5000),
    ];
    const trials = [
      trial("S", "dpo", 300), // median 2 s
      trial("S", "dpo", 300),
      trial("S", "rso", 300), // even count: 8 s
      trial("S", "dpo", 1000), // 5 s
      trial("S", "dpo", 3000), // no row
      trial("T", "dpo", 300), // no row
    ];
    expect(estimateRunSeconds(trials, rows, 2)).toEqual({ seconds: (2 + 2 + 8 + 5) / 2, unknown: 2 });
    expect(estimateRunSeconds([], rows, 1)).toEqual({ seconds: 0, unknown: 0 });
  });
});
