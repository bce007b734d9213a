import * as E from "fp-ts/lib/Either";
import { Rng, summarize, suboptimality, uniformPolicy } from "@gsh/core";
import {
  type BanditInstance,
  tabularOracle,
  evaluatePolicy,
  linearBandit,
  preferenceProbability,
  testbedH,
  testbedP,
  testbedR,
} from "../src";

function subOptOfReference(inst: BanditInstance): number {
  return suboptimality(inst.problem.reference, inst.problem.reference, inst.truth.reward, inst.problem.eta);
}

describe("testbeds R, P, H against the spec's sanity values (means over seeds 0–19 of an independent implementation)", () => {
  // Population properties, so a faithful generator lands within a few standard errors; we allow 4 combined SE
  // (the spec's SE and ours), with a floor of 0.5% of the value for rows whose SE the spec does not give.
  const cases: [string, (s: number) => BanditInstance, number, number][] = [
    ["R η=0.1", (s) => testbedR(s, { eta: 0.1 }), 1.263, 0.021],
    ["R η=1", (s) => testbedR(s, { eta: 1 }), 0.246, 0.005],
    ["P tabular η=0.1", (s) => testbedP(s, { eta: 0.1 }), 0.562, 0],
    ["P tabular η=0.3", (s) => testbedP(s, { eta: 0.3 }), 0.332, 0],
    ["P tabular η=1", (s) => testbedP(s, { eta: 1 }), 0.1025, 0],
    ["P one-hot-ish η=0.1", (s) => testbedP(s, { eta: 0.1, variant: "one-hot-ish" }), 0.539, 0],
    ["P one-hot-ish η=1", (s) => testbedP(s, { eta: 1, variant: "one-hot-ish" }), 0.102, 0],
    ["H η=0.1", (s) => testbedH(s, { eta: 0.1 }), 1.134, 0],
    ["H η=0.3", (s) => testbedH(s, { eta: 0.3 }), 0.213, 0],
    ["H p_hid=1e-2", (s) => testbedH(s, { hiddenMass: 1e-2 }), 1.348, 0],
    ["H p_hid=1e-1", (s) => testbedH(s, { hiddenMass: 1e-1 }), 1.418, 0],
  ];
  it.each(cases)("%s: mean SubOpt(π0) matches", (_name, make, expected, specSe) => {
    const s = summarize(Array.from({ length: 20 }, (_, seed) => subOptOfReference(make(seed))));
    const tol = Math.max(4 * Math.hypot(s.stderr, specSe), 0.005 * expected);
    expect(Math.abs(s.mean - expected)).toBeLessThan(tol);
  });

  it("R: π0 has ≈ 3.0 effective actions; P: π*(distractors); H: π*(hidden)", () => {
    const eff = summarize(
      Array.from({ length: 20 }, (_, s) => {
        const { reference: p, contexts: X, actions: A } = testbedR(s).problem;
        let e = 0;
        for (let x = 0; x < X; x++) {
          let q = 0;
          for (let a = 0; a < A; a++) q += p.probs[x * A + a] ** 2;
          e += 1 / q / X;
        }
        return e;
      }),
    );
    expect(Math.abs(eff.mean - 3.0)).toBeLessThan(0.15);
    const distractors = (eta: number) => {
      const pi = testbedP(0, { eta }).truth.optimal.probs;
      return pi.slice(4).reduce((a, b) => a + b, 0);
    };
    expect(distractors(0.1)).toBeCloseTo(0.0049, 3);
    expect(distractors(1)).toBeCloseTo(0.111, 2);
    const hidden = summarize(
      Array.from({ length: 20 }, (_, s) => {
        const inst = testbedH(s, { eta: 0.3 });
        let m = 0;
        for (let x = 0; x < 50; x++)
          m += (inst.truth.optimal.probs[x * 32 + 30] + inst.truth.optimal.probs[x * 32 + 31]) / 50;
        return m;
      }),
    );
    expect(Math.abs(hidden.mean - 0.224)).toBeLessThan(0.015);
  });
});

describe("testbed invariants and regression pins (version 1, seed 0)", () => {
  // Regression pins: the code's own output at version 1, seed 0, recorded once. They prove nothing about
  // correctness (the invariants and the closed-form tests do that); they make any change to a cited testbed loud.
  it("regression pins: every testbed's seed-0 values are unchanged, so a cited environment never changes silently", () => {
    const r = testbedR(0);
    expect(Math.hypot(...r.truth.theta!)).toBeCloseTo(3, 12);
    const pinned = {
      R: [subOptOfReference(r), Math.max(...r.truth.optimal.probs.subarray(0, 32)), r.truth.theta![0]],
      P: [subOptOfReference(testbedP(0)), testbedP(0).truth.theta![4]],
      Poh: [subOptOfReference(testbedP(0, { variant: "one-hot-ish" }))],
      H: [subOptOfReference(testbedH(0)), testbedH(0).truth.optimal.probs[30]],
    };
    expect(pinned).toEqual({
      R: [
        expect.closeTo(REGRESSION_PIN.R[0], 12),
        expect.closeTo(REGRESSION_PIN.R[1], 12),
        expect.closeTo(REGRESSION_PIN.R[2], 12),
      ],
      P: [expect.closeTo(REGRESSION_PIN.P[0], 12), expect.closeTo(REGRESSION_PIN.P[1], 12)],
      Poh: [expect.closeTo(REGRESSION_PIN.Poh[0], 12)],
      H: [expect.closeTo(REGRESSION_PIN.H[0], 12), expect.closeTo(REGRESSION_PIN.H[1], 12)],
    });
  });

  it("features lie in the unit ball; H's common actions have a zero 8th coordinate; P's θ* has the stated shape", () => {
    for (const inst of [testbedR(1), testbedH(1), testbedP(1, { variant: "one-hot-ish" })]) {
      const { values, dim } = inst.problem.features;
      for (let i = 0; i < values.length / dim; i++)
        expect(Math.hypot(...values.subarray(i * dim, (i + 1) * dim))).toBeLessThanOrEqual(1 + 1e-12);
    }
    const h = testbedH(2).problem.features.values;
    for (let a = 0; a < 30; a++) expect(h[a * 8 + 7]).toBe(0);
    expect(h[30 * 8 + 7]).toBe(0.9);
    const th = testbedP(3).truth.theta!;
    expect(Array.from(th.slice(0, 4))).toEqual([1, 0, 0, 0]);
    for (let a = 4; a < 32; a++) expect(th[a] >= 0.3 && th[a] <= 0.7).toBe(true);
  });

  it("the same seed gives the same instance; a different seed a different one", () => {
    expect(testbedR(5).truth.reward).toEqual(testbedR(5).truth.reward);
    expect(testbedR(5).truth.reward).not.toEqual(testbedR(6).truth.reward);
  });

  it("evaluatePolicy scores exactly and refuses an invalid policy", () => {
    const inst = testbedR(0);
    const m = evaluatePolicy(inst, inst.truth.optimal);
    expect(
      E.isRight(m) && m.right.subopt < 1e-12 && Math.abs(m.right.objective - inst.truth.optimalObjective) < 1e-12,
    ).toBe(true);
    const u = evaluatePolicy(inst, uniformPolicy(50, 32));
    expect(E.isRight(u) && u.right.subopt > 0).toBe(true);
    const bad = { contexts: 50, actions: 32, probs: new Float64Array(50 * 32) };
    expect(E.isLeft(evaluatePolicy(inst, bad))).toBe(true);
  });

  it("the misspecified variant changes r* but keeps the optimum exact; θ* is then hidden from the truth", () => {
    const inst = linearBandit(0, {
      contexts: 5,
      actions: 6,
      dim: 3,
      normBound: 2,
      eta: 0.5,
      referenceTemperature: 1,
      misspecification: 0.5,
    });
    expect(inst.truth.theta).toBeNull();
    const m = evaluatePolicy(inst, inst.truth.optimal);
    expect(E.isRight(m) && m.right.subopt < 1e-12).toBe(true);
  });
});

describe("preference models: label frequencies match their probabilities (seeded, 5 binomial SE)", () => {
  it("closed forms at a gap of 0.7", () => {
    const bt = 1 / (1 + Math.exp(-0.7));
    expect(preferenceProbability({ kind: "bradley-terry" }, 0.7)).toBeCloseTo(bt, 15);
    expect(preferenceProbability({ kind: "probit" }, 0.7)).toBeCloseTo(0.758036347776927, 6);
    expect(preferenceProbability({ kind: "probit" }, 0)).toBeCloseTo(0.5, 7);
    expect(preferenceProbability({ kind: "label-noise", flip: 0.2 }, 0.7)).toBeCloseTo(0.8 * bt + 0.2 * (1 - bt), 15);
    expect(preferenceProbability({ kind: "deterministic" }, 0.7)).toBe(1);
    expect(preferenceProbability({ kind: "deterministic" }, -0.1)).toBe(0);
    expect(preferenceProbability({ kind: "deterministic" }, 0)).toBe(0.5);
  });

  const n = 40_000;
  it.each([
    [{ kind: "bradley-terry" } as const],
    [{ kind: "probit" } as const],
    [{ kind: "label-noise", flip: 0.2 } as const],
    [{ kind: "deterministic" } as const],
  ])("the oracle of %o draws labels at the model's rate", (model) => {
    const inst = linearBandit(0, {
      contexts: 1,
      actions: 2,
      dim: 1,
      normBound: 1,
      eta: 1,
      referenceTemperature: 1,
      preference: model,
    });
    const gap = inst.truth.reward[0] - inst.truth.reward[1];
    const p = preferenceProbability(model, gap);
    const oracle = inst.makeOracle(Rng.seeded(1).split("labels"));
    let wins = 0;
    for (let i = 0; i < n; i++) wins += oracle.query(0, 0, 1);
    expect(oracle.queries).toBe(n);
    expect(Math.abs(wins / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it("deterministic preferences break ties with a fair coin", () => {
    const oracle = tabularOracle(Float64Array.from([1, 1]), 1, 2, { kind: "deterministic" }, Rng.seeded(2));
    let wins = 0;
    for (let i = 0; i < n; i++) wins += oracle.query(0, 0, 1);
    expect(Math.abs(wins / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
  });

  it("an out-of-range query is refused and not counted", () => {
    const oracle = testbedR(0).makeOracle(Rng.seeded(0));
    expect(() => oracle.query(0, 0, 32)).toThrow(/outside 50 contexts × 32 actions/);
    expect(oracle.queries).toBe(0);
  });
});

const REGRESSION_PIN = {
  R: [1.2001039201700823, 0.9955770183004854, -1.7137007904481028],
  P: [0.561340306579743, 0.578247378137732],
  Poh: [0.517383691583107],
  H: [1.1578273529570797, 0.32544930147203716],
};
