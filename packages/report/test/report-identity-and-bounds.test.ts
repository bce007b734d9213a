import { MARKERS, PALETTE, algorithmStyles, chunkByColour } from "../src/identity";
import { boundStatus, boundSummaries } from "../src/theory";

describe("algorithm identity in charts", () => {
  const labels = Array.from({ length: 13 }, (_, i) => `algorithm ${i}`);
  const styles = algorithmStyles(labels);

  it("charts hold at most 8 series and never one colour twice", () => {
    const chunks = chunkByColour(labels, styles);
    expect(chunks.flat().sort()).toEqual([...labels].sort());
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(8);
      expect(new Set(c.map((l) => styles.get(l)!.color)).size).toBe(c.length);
    }
    expect(PALETTE.every((c) => /^#[0-9A-F]{6}$/.test(c))).toBe(true);
    expect(MARKERS.length).toBe(8);
  });
});

describe("bounds: holds, void, vacuous, violated", () => {
  const row = (metrics: object, referenceSubopt?: number) =>
    ({
      status: "ok",
      environment: "R",
      algorithm: "Option I",
      budget: 300,
      seed: 0,
      ...(referenceSubopt === undefined ? {} : { referenceSubopt }),
      metrics: { subopt: 0.1, boundRhs: 0.5, confidenceHeld: true, confidenceBeta: 2, estimationError: 1, ...metrics },
    }) as never;

  it("classifies each trial by the confidence event, SubOpt(π0) and the bound", () => {
    expect(boundStatus(row({}, 1))).toBe("holds");
    expect(boundStatus(row({ confidenceHeld: false }, 1))).toBe("void"); // the theorem promises nothing here
    expect(boundStatus(row({ boundRhs: 1.2 }, 1))).toBe("vacuous"); // π0 itself meets a bound ≥ SubOpt(π0)
    expect(boundStatus(row({ subopt: 0.6 }, 1))).toBe("violated");
    expect(boundStatus(row({ boundRhs: null }, 1))).toBeNull();
    // β = 0 (MLE-Gibbs): the event ‖θ̂ − θ*‖_Σ ≤ 0 fails, so a zero bound is void, not a broken theorem
    expect(boundStatus(row({ boundRhs: 0, confidenceBeta: 0, confidenceHeld: false }, 1))).toBe("void");
  });

  it("summarises seeds: the mean bound leaves void seeds out and the verdict counts each status", () => {
    const rows = [
      row({ boundRhs: 0.4 }, 1),
      { ...(row({ boundRhs: 0.8, confidenceHeld: false }, 1) as object), seed: 1 } as never,
      { ...(row({ boundRhs: 1.5 }, 1) as object), seed: 2 } as never,
    ];
    const [s] = boundSummaries(rows);
    expect(s.seeds).toBe(3);
    expect(s.meanBound).toBeCloseTo((0.4 + 1.5) / 2, 15);
    expect(s.counts).toEqual({ holds: 1, violated: 0, void: 1, vacuous: 1 });
    expect(s.verdict).toBe("void: event failed (1/3), vacuous: bound ≥ SubOpt(π0) (1/3), holds (1/3)");
  });
});
