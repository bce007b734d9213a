import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import { Covariance, contextMean, finiteGibbsFamily, sequenceGibbsFamily, winnerMinusLoser } from "@gsh/preference";
import {
  SEQUENCE_SIZES,
  enumerateSequenceInstance,
  evaluateMarkovPolicy,
  evaluatePolicy,
  sampleSequenceOfflineData,
  testbedS,
} from "@gsh/testbeds";
import { enhancer } from "../src";

describe("the enhancer on the sequence bandit S (tiny setting)", () => {
  it("its tilt stays Markov: the DP's exact metrics equal enumeration's, and the tilt is feasible (η·KL ≤ Γ)", () => {
    const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 4, eta: 0.3 });
    const { data } = sampleSequenceOfflineData(seq, 200, 0);
    const Z = winnerMinusLoser(data, null);
    const cov = new Covariance(16, 1);
    cov.addRows(Z, data.size);
    const family = sequenceGibbsFamily(seq.problem);
    const theta = Rng.seeded(1)
      .normals(new Float64Array(16))
      .map((v) => 0.5 * v);
    const e = enhancer(family, theta, cov, 4, Rng.seeded(2), { randomDirections: 2 });
    expect(e.gamma).toBeGreaterThan(0);
    expect(0.3 * e.klToMain).toBeLessThanOrEqual(e.gamma * (1 + 1e-9));
    // the tilt is the Gibbs policy of θ + cηu: Markov, evaluated exactly by the DP …
    const markov = family.policyOf(e.theta);
    const dp = evaluateMarkovPolicy(seq.problem, seq.truth, markov);
    // … and equal to the same member of the enumerated family, scored by brute force over all 256 responses
    const enumerated = enumerateSequenceInstance(seq);
    const brute = evaluatePolicy(enumerated, finiteGibbsFamily(enumerated.problem).policyOf(e.theta));
    expect(brute).toBeRight();
    if (E.isRight(brute)) {
      expect(Math.abs(dp.subopt - brute.right.subopt)).toBeLessThan(1e-10);
      expect(Math.abs(dp.klToReference - brute.right.klToReference)).toBeLessThan(1e-10);
    }
    // and Γ reported is the Σ⁻¹-norm of the mean-feature shift, recomputed here from the DP moments
    const shift = contextMean(family, family.moments(theta).features, 16).map(
      (v, k) => v - contextMean(family, family.moments(e.theta).features, 16)[k],
    );
    expect(4 * cov.norm(shift)).toBeCloseTo(e.gamma, 10);
  });
});
