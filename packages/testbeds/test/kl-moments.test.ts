import { Rng } from "@gsh/core";
import { gibbsKlMoments, gibbsSequenceLogProb, linearSequenceGibbs, referenceLogProb } from "@gsh/preference";
import { SEQUENCE_SIZES, testbedS } from "../src";

// The KL estimators' exact moments under a Gibbs-family sequence policy (@gsh/preference's backward passes), checked
// against enumeration of every response on the tiny sequence bandit.

describe("exact moments of k1, k2, k3 on sequences", () => {
  it("the exact moments of k1, k2, k3 under a Gibbs sequence policy equal enumeration over every response (tiny S, 1e-9)", () => {
    const inst = testbedS(4, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
    const p = inst.problem;
    const { vocab: V, length: L, prompts: X } = p;
    const theta = Rng.seeded(5)
      .normals(new Float64Array(p.dim))
      .map((v) => 2 * v);
    const policy = linearSequenceGibbs(p, theta);
    const m = gibbsKlMoments(p, policy);
    const sums = { k1: 0, k2: 0, k3: 0 },
      squares = { k1: 0, k2: 0, k3: 0 };
    let ratio = 0,
      probability = 0;
    const y = new Int32Array(L);
    for (let x = 0; x < X; x++)
      for (let i = 0; i < V ** L; i++) {
        for (let t = 0, r = i; t < L; t++, r = Math.floor(r / V)) y[t] = r % V;
        const logPi = gibbsSequenceLogProb(p, policy, x, y);
        const l = logPi - referenceLogProb(p, x, y);
        const w = p.contextWeights[x] * Math.exp(logPi);
        const terms = { k1: l, k2: (l * l) / 2, k3: Math.expm1(-l) + l };
        for (const k of ["k1", "k2", "k3"] as const) {
          sums[k] += w * terms[k];
          squares[k] += w * terms[k] ** 2;
        }
        if (Math.exp(-l) > ratio) {
          ratio = Math.exp(-l);
          probability = w;
        }
      }
    for (const k of ["k1", "k2", "k3"] as const) {
      const variance = squares[k] - sums[k] ** 2;
      expect(Math.abs(m.mean[k] - sums[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(sums[k])));
      expect(Math.abs(m.variance[k] - variance)).toBeLessThan(1e-9 * Math.max(1, variance));
    }
    expect(Math.abs(m.tail.ratio / ratio - 1)).toBeLessThan(1e-9);
    expect(Math.abs(m.tail.probability / probability - 1)).toBeLessThan(1e-9);
  });
});
