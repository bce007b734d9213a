import { Rng } from "@gsh/core";
import { nonTransitiveBandit, referenceModePolicy, winRate } from "../src";

describe("the non-transitive preference variant", () => {
  const inst = nonTransitiveBandit(0, { actions: 5, kappa: 3 });
  const A = 5;
  const P = (x: number, a: number, b: number) => inst.preference[(x * A + a) * A + b];

  it("is a valid preference (P(a≻b) + P(b≻a) = 1) with a cycle a ≻ b ≻ c ≻ a in every context, so no reward explains it", () => {
    for (let x = 0; x < inst.problem.contexts; x++) {
      for (let a = 0; a < A; a++) for (let b = 0; b < A; b++) expect(P(x, a, b) + P(x, b, a)).toBeCloseTo(1, 14);
      // with κ = 3 each step of the ring is preferred; a full cycle of strict preferences cannot come from any r
      const ring = Array.from({ length: A }, (_, a) => P(x, a, (a + 1) % A) > 0.5);
      expect(ring.every(Boolean)).toBe(true);
    }
  });

  it("the oracle's label frequencies match P (5 binomial SE) and count queries", () => {
    const oracle = inst.makeOracle(Rng.seeded(1));
    let wins = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) wins += oracle.query(2, 1, 3);
    const p = P(2, 1, 3);
    expect(oracle.queries).toBe(n);
    expect(Math.abs(wins / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it("win rates: π0 against itself is exactly 1/2; against π0's most likely action it is a number in (0, 1)", () => {
    const pi0 = inst.problem.reference;
    expect(winRate(inst, pi0, pi0)).toBeCloseTo(0.5, 14);
    const mode = referenceModePolicy(inst.problem);
    const w = winRate(inst, pi0, mode);
    expect(w).toBeGreaterThan(0);
    expect(w).toBeLessThan(1);
    expect(winRate(inst, mode, pi0) + w).toBeCloseTo(1, 14);
  });
});
