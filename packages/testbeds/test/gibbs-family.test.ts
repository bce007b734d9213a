import { Rng, chiSquareTest, expectedFeatures, gibbsPolicy, klRow, linearReward } from "@gsh/core";
import { SEQUENCE_SIZES, enumerateSequenceInstance, testbedR, testbedS } from "../src";
import {
  contextMean,
  familyKl,
  finiteGibbsFamily,
  selectPair,
  sequenceGibbsFamily,
  sequenceLogProb,
  enumerateResponses,
} from "@gsh/preference";

describe("Gibbs families", () => {
  const inst = testbedR(0, { eta: 0.3 });
  const fam = finiteGibbsFamily(inst.problem);
  const rng = Rng.seeded(1);
  const theta = rng.normals(new Float64Array(8));

  it("finite family: moments equal the Gibbs policy's log Z and φ(x, π); KL from moments equals the direct KL", () => {
    const { logZ, features } = fam.moments(theta);
    const direct = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, theta), 0.3);
    for (let x = 0; x < 50; x++) expect(logZ[x]).toBeCloseTo(direct.logZ[x], 12);
    const ef = expectedFeatures(direct.policy, inst.problem.features);
    features.forEach((v, i) => expect(v).toBeCloseTo(ef[i], 12));
    const theta2 = rng.normals(new Float64Array(8));
    const b = fam.moments(theta2);
    const kl = familyKl(fam, theta, fam.moments(theta), theta2, b);
    const p2 = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, theta2), 0.3).policy;
    for (let x = 0; x < 50; x += 7) expect(kl[x]).toBeCloseTo(klRow(direct.policy, p2, x), 10);
  });

  it("finite family: E_x Cov(φ) = η·∂φ̄/∂θ (central differences)", () => {
    const C = fam.featureCovariance!(theta);
    const h = 1e-5;
    for (let k = 0; k < 8; k++) {
      const p = Float64Array.from(theta);
      p[k] += h;
      const m = Float64Array.from(theta);
      m[k] -= h;
      const fp = contextMean(fam, fam.moments(p).features, 8);
      const fm = contextMean(fam, fam.moments(m).features, 8);
      for (let j = 0; j < 8; j++) expect(C[j * 8 + k]).toBeCloseTo((0.3 * (fp[j] - fm[j])) / (2 * h), 7);
    }
  });

  it("sequence family: its DP moments equal the enumerated finite family's, and its members are Markov Gibbs policies", () => {
    const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 3 });
    const sf = sequenceGibbsFamily(seq.problem);
    const en = enumerateSequenceInstance(seq);
    const ef = finiteGibbsFamily(en.problem);
    const t = Rng.seeded(2).normals(new Float64Array(16));
    const a = sf.moments(t);
    const b = ef.moments(t);
    a.logZ.forEach((v, x) => expect(v).toBeCloseTo(b.logZ[x], 10));
    a.features.forEach((v, i) => expect(v).toBeCloseTo(b.features[i], 10));
    const pol = sf.policyOf(t);
    const fin = ef.policyOf(t);
    enumerateResponses(4, 4).forEach((y, i) => {
      if (i % 17 === 0) expect(Math.exp(sequenceLogProb(pol, 2, y))).toBeCloseTo(fin.probs[2 * 256 + i], 12);
    });
    // the enumerated instance has the same optimum
    expect(en.truth.optimalObjective).toBeCloseTo(seq.truth.optimalObjective, 10);
  });
});

describe("selectPair", () => {
  const rng = Rng.seeded(0).split("pairs");
  it("max-min picks the best and the worst; null when every score ties or n < 2", () => {
    expect(selectPair([0.1, 3, -2, 1], "max-min", rng)).toEqual([1, 2]);
    expect(selectPair([1, 1, 1], "max-min", rng)).toBeNull();
    expect(selectPair([1], "random", rng)).toBeNull();
    const pen = selectPair([3, 2.9, 0], "max-min-penalty", rng, { penalty: 1, cost: [1, 0, 0] });
    expect(pen).toEqual([1, 2]);
  });

  it("ties are broken uniformly (χ², p > 1e-3) and max-random never pairs the best with itself", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const p = selectPair([5, 1, 5, 5], "max-min", rng)!;
      counts[p[0]]++;
      expect(p[1]).toBe(1);
      const q = selectPair([5, 1, 2, 0], "max-random", rng)!;
      expect(q[0]).toBe(0);
      expect(q[1]).not.toBe(0);
    }
    expect(counts[1]).toBe(0);
    expect(chiSquareTest([counts[0], counts[2], counts[3]], [1 / 3, 1 / 3, 1 / 3]).pValue).toBeGreaterThan(1e-3);
  });

  it("scores equal up to rounding are ties (relative 1e-9); a real gap is not", () => {
    // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit: the same bigrams summed in another order.
    const a = 0.1 + 0.2 + 0.3;
    const b = 0.3 + 0.2 + 0.1;
    expect(a).not.toBe(b);
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[selectPair([a, -1, b], "max-min", rng)![0] === 0 ? 0 : 1]++;
    expect(chiSquareTest(counts, [0.5, 0.5]).pValue).toBeGreaterThan(1e-3);
    expect(selectPair([a, b], "max-min", rng)).toBeNull();
    // a gap of 1e-6 relative is information, not rounding
    for (let i = 0; i < 50; i++) expect(selectPair([1, 1 + 1e-6, 0], "max-min", rng)).toEqual([1, 2]);
  });

  it("random picks two distinct candidates uniformly over ordered pairs", () => {
    const c = new Array(12).fill(0);
    for (let i = 0; i < 24_000; i++) {
      const [a, b] = selectPair([0, 0, 0, 0], "random", rng)!;
      expect(a).not.toBe(b);
      c[a * 3 + (b > a ? b - 1 : b)]++;
    }
    expect(chiSquareTest(c, new Array(12).fill(1 / 12)).pValue).toBeGreaterThan(1e-3);
  });
});
