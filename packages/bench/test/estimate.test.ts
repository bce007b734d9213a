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
    expect(estimateRunSeconds(trials, rows, 2)).toEqual({ seconds: (2 + 2 + 8 + 5) / 2, unknown: 2, byLabels: 4 });
    expect(estimateRunSeconds([], rows, 1)).toEqual({ seconds: 0, unknown: 0, byLabels: 0 });
  });

  it("times a trial by any suite's rows with its names, parameters (in any key order) and budget, before its labels", () => {
    const named = (label: string, name: string, params: object) => ({ label, name, params });
    const full = (env: object, alg: object, budget: number) => ({ environment: env, algorithm: alg, budget }) as never;
    const other = (environment: string, algorithm: string, wallMs: number, eta: number, beta: number) =>
      ({
        environment,
        algorithm,
        budget: 300,
        wallMs,
        environmentName: "P",
        environmentParams: { variant: "tabular", eta },
        algorithmName: "offline-gshf",
        algorithmParams: { option: "I", beta },
      }) as never;
    const rows = [
      other("P η=0.1 (default suite)", "Option I", 3000, 0.1, 1),
      other("P η=0.1 (default suite)", "Option I", 1000, 0.1, 1),
      other("P η=0.1 (default suite)", "Option I", 2000, 0.1, 1),
      other("P η=1", "Option I", 9000, 1, 1), // another η
      other("P η=0.1", "Option I, β = 2", 7000, 0.1, 2), // another β
      other("P tabular η=0.1", "Option I β=1", 4000, 0.1, 1), // the trial's own labels
      other("P tabular η=0.1", "Option I β=3", 6000, 0.1, 2), // labels of β = 3, parameters of β = 2
      // by names and parameters the first three and the sixth are one cell: 1, 2, 3, 4 s, upper middle 3 s
    ];
    const env = named("P tabular η=0.1", "P", { eta: 0.1, variant: "tabular" });
    const envOther = named("P (paper)", "P", { eta: 0.1, variant: "tabular" });
    const alg = named("Option I β=1", "offline-gshf", { beta: 1, option: "I" });
    const algPaper = named("Option I (paper)", "offline-gshf", { beta: 1, option: "I" });
    const algUnseen = named("Option I β=3", "offline-gshf", { beta: 3, option: "I" });
    // its own labels' row (4 s) is one of the four rows with its parameters
    expect(estimateRunSeconds([full(env, alg, 300)], rows, 1)).toEqual({ seconds: 3, unknown: 0, byLabels: 0 });
    expect(estimateRunSeconds([full(envOther, algPaper, 300)], rows, 1)).toEqual({
      seconds: 3,
      unknown: 0,
      byLabels: 0,
    });
    // no row has β = 3: its labels' row times it (a row whose parameters were β = 2)
    expect(estimateRunSeconds([full(env, algUnseen, 300)], rows, 1)).toEqual({ seconds: 6, unknown: 0, byLabels: 1 });
    expect(estimateRunSeconds([full(envOther, algUnseen, 300), full(envOther, algPaper, 1000)], rows, 1)).toEqual({
      seconds: 0,
      unknown: 2,
      byLabels: 0,
    });
  });
});
