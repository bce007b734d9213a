import { formatTimings, timingProfile } from "../src";

// timingProfile reads labels, status and wall time only.
const row = (environment: string, algorithm: string, wallMs: number, status = "ok") =>
  ({ environment, algorithm, status, wallMs }) as never;

describe("timingProfile", () => {
  const rows = [
    row("S", "dpo", 1000),
    row("S", "enhancer", 9000),
    row("S", "dpo", 3000),
    row("S-large", "dpo", 2000),
    row("S", "enhancer", 30000, "failed"),
    row("S", "dpo", 2000),
    row("S-large", "rso", 3000),
  ];
  const p = timingProfile(rows);

  it("sums each algorithm × environment, costliest first, with median, max and share of the total", () => {
    expect(p.trials).toBe(7);
    expect(p.totalSeconds).toBeCloseTo(50, 12);
    expect(p.entries.map((e) => `${e.environment}/${e.algorithm}`)).toEqual([
      "S/enhancer",
      "S/dpo",
      "S-large/rso",
      "S-large/dpo",
    ]);
    const [enh, dpo] = p.entries;
    expect(enh).toMatchObject({ trials: 2, failed: 1, maxSeconds: 30, totalSeconds: 39 });
    // an even count's median is the mean of the middle two: (9 + 30) / 2
    expect(enh.medianSeconds).toBeCloseTo(19.5, 12);
    expect(dpo).toMatchObject({ trials: 3, failed: 0, medianSeconds: 2, maxSeconds: 3, totalSeconds: 6 });
    expect(enh.share).toBeCloseTo(39 / 50, 12);
    expect(p.entries.reduce((s, e) => s + e.share, 0)).toBeCloseTo(1, 12);
  });

  it("sums per environment in order of first appearance", () => {
    expect(p.environments).toEqual([
      { environment: "S", algorithms: 2, trials: 5, totalSeconds: 45, share: 0.9 },
      { environment: "S-large", algorithms: 2, trials: 2, totalSeconds: 5, share: 0.1 },
    ]);
  });

  it("an empty results file gives an empty profile, not NaN shares", () => {
    const e = timingProfile([]);
    expect(e).toEqual({ entries: [], environments: [], trials: 0, totalSeconds: 0 });
  });

  it("prints the top entries, sums the rest in one line, and divides the total by the workers", () => {
    const text = formatTimings(p, { top: 2, workers: 2 });
    const lines = text.split("\n");
    expect(lines[2]).toMatch(/^S\s+enhancer\s+2 \(1 failed\)\s+19\.5\s+30\.0\s+39\.0\s+78\.0%$/);
    expect(lines[4]).toMatch(/^\(2 more\)\s+2\s+5\.00\s+10\.0%$/);
    expect(text).toContain(
      "7 trials, 50.0 s of trial wall time in all: at least 25.0 s on 2 workers if none ever waits.",
    );
  });
});
