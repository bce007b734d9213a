import * as E from "fp-ts/lib/Either";
import { PreferenceDataset } from "@gsh/preference";
import {
  sampleOfflineData,
  testbedR,
  SEQUENCE_SIZES,
  enumerateSequenceInstance,
  evaluatePolicy,
  evaluateSequencePolicy,
  sampleSequenceOfflineData,
  testbedS,
} from "@gsh/testbeds";
import { offlineGshf, offlineGshfSequence, pessimismBound, sequencePessimismBound } from "../src";

describe("offlineGshf on a sequence problem: the streaming routes agree with the finite algorithm on the enumerated instance", () => {
  const seq = testbedS(3, { ...SEQUENCE_SIZES.tiny, prompts: 4, eta: 0.3 });
  const { data } = sampleSequenceOfflineData(seq, 300, 3);
  const enumerated = enumerateSequenceInstance(seq);

  it.each([
    ["II", 2],
    ["I", 2],
    ["II", 0],
  ] as const)(
    "Option %s, β = %d: same policy (1e-9 in probability), same exact SubOpt and same bound RHS",
    (option, beta) => {
      const s = offlineGshf(seq.problem, data, { beta, option });
      const f = offlineGshf(enumerated.problem, data, { beta, option });
      if (E.isLeft(s) || E.isLeft(f)) throw new Error("fit failed");
      const ms = evaluateSequencePolicy(seq, s.right.policy);
      const mf = evaluatePolicy(enumerated, f.right.policy);
      if (E.isLeft(ms) || E.isLeft(mf)) throw new Error("evaluation failed");
      expect(Math.abs(ms.right.subopt - mf.right.subopt)).toBeLessThan(1e-7);
      expect(Math.abs(ms.right.klToReference - mf.right.klToReference)).toBeLessThan(1e-7);
      if (s.right.policy.kind === "enumerated") {
        const lp = s.right.policy.logProbs;
        let worst = 0;
        for (let i = 0; i < lp.length; i++)
          worst = Math.max(worst, Math.abs(Math.exp(lp[i]) - f.right.policy.probs[i]));
        expect(worst).toBeLessThan(1e-9);
      } else expect(s.right.policy.kind).toBe("gibbs"); // Gibbs-family members come in factored form
      const bs = pessimismBound(seq.problem, s.right, seq.truth.optimal);
      const bf = pessimismBound(enumerated.problem, f.right, enumerated.truth.optimal);
      expect(Math.abs(bs - bf)).toBeLessThan(1e-6 * Math.max(1, bf));
    },
  );

  it("refuses Option II above the enumeration limit and data of the wrong dimension, naming the field", () => {
    const large = testbedS(0, SEQUENCE_SIZES.large);
    const off = sampleSequenceOfflineData(large, 20, 0);
    const r = offlineGshf(large.problem, off.data, { beta: 1, option: "II" });
    expect(r).toBeLeft("InvalidArgument", { field: "option" });
    const ok = offlineGshf(large.problem, off.data, { beta: 1, option: "I" });
    expect(ok).toBeRight();
    const wrong = offlineGshf(seq.problem, off.data.prefix(5), { beta: 0 });
    expect(wrong).toBeRight(); // same d = 16: accepted
    const r2 = offlineGshf({ ...seq.problem, dim: 8 }, data, { beta: 0 });
    expect(r2).toBeLeft("InvalidArgument", { field: "data" });
  });

  it("the deprecated sequence names are the merged functions (same policy, same bound)", () => {
    const a = offlineGshfSequence(seq.problem, data, { beta: 2, option: "II" });
    const b = offlineGshf(seq.problem, data, { beta: 2, option: "II" });
    if (E.isLeft(a) || E.isLeft(b)) throw new Error("fit failed");
    expect(a.right.policy).toEqual(b.right.policy);
    expect(sequencePessimismBound(seq.problem, a.right, seq.truth.optimal)).toBe(
      pessimismBound(seq.problem, b.right, seq.truth.optimal),
    );
  });

  it("ν = \"global\" on sequences: every prompt's ν is the d0-mean of φ(x, π0), and Option II then agrees with the enumerated instance's", () => {
    const s = offlineGshf(seq.problem, data, { beta: 2, option: "II", referenceVector: "global" });
    const per = offlineGshf(seq.problem, data, { beta: 2, option: "II" });
    const f = offlineGshf(enumerated.problem, data, { beta: 2, option: "II", referenceVector: "global" });
    if (E.isLeft(s) || E.isLeft(per) || E.isLeft(f)) throw new Error("fit failed");
    const { prompts: X, dim: d, contextWeights: w } = seq.problem;
    for (let k = 0; k < d; k++) {
      let mean = 0;
      for (let x = 0; x < X; x++) mean += w[x] * per.right.nu[x * d + k];
      for (let x = 0; x < X; x++) expect(s.right.nu[x * d + k]).toBeCloseTo(mean, 12);
    }
    if (s.right.policy.kind !== "enumerated") throw new Error("Option II is enumerated");
    const lp = s.right.policy.logProbs;
    let worst = 0;
    for (let i = 0; i < lp.length; i++) worst = Math.max(worst, Math.abs(Math.exp(lp[i]) - f.right.policy.probs[i]));
    expect(worst).toBeLessThan(1e-9);
  });
});

describe("offlineGshf refuses data that do not fit the problem, with typed errors", () => {
  it("action indices ≥ A, a feature dimension other than d, NaN features", () => {
    const world = testbedR(0);
    const { data } = sampleOfflineData(world, 20, 0);
    const bad = new PreferenceDataset(4);
    bad.push(0, 0, world.problem.actions, 1);
    const r1 = offlineGshf(world.problem, bad, { beta: 0 });
    expect(r1).toBeLeft("InvalidArgument", { field: "data" });
    expect(E.isLeft(r1) && r1.left.message).toMatch(/a²=32\): outside 50 contexts × 32 actions/);
    const wide = new PreferenceDataset(4, world.problem.dim + 1);
    wide.pushWithFeatures(0, -1, -1, 1, new Float64Array(9), new Float64Array(9));
    const r2 = offlineGshf(world.problem, wide, { beta: 0 });
    expect(E.isLeft(r2) && r2.left.message).toMatch(/9-dimensional features, the problem's features have d = 8/);
    const nan = new PreferenceDataset(4, 8);
    nan.pushWithFeatures(0, -1, -1, 1, new Float64Array(8).fill(NaN), new Float64Array(8));
    const r3 = offlineGshf(world.problem, nan, { beta: 0 });
    expect(E.isLeft(r3) && r3.left.message).toMatch(/non-finite feature/);
    expect(E.isRight(offlineGshf(world.problem, data, { beta: 0 }))).toBe(true);
  });
});
