import { Rng, chiSquareTest, dot, logSumExp } from "@gsh/core";
import { SEQUENCE_SIZES, evaluateMarkovPolicy, testbedS } from "../src";
import {
  enumerateResponses,
  expectedSequenceFeatures,
  referenceMarkovPolicy,
  sampleSequence,
  sequenceFeatures,
  sequenceLogProb,
} from "@gsh/preference";
import { randomMarkovPolicy } from "./helpers";

describe("sequence bandit S: the DP agrees with brute-force enumeration (V = 4, L = 4)", () => {
  const inst = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
  const { problem, truth } = inst;
  const { vocab: V, length: L, eta } = problem;
  const ys = enumerateResponses(V, L);
  const pi0 = referenceMarkovPolicy(problem);
  const reward = (x: number, y: Int32Array) => dot(sequenceFeatures(problem, y), truth.theta);
  void 0;

  it("enumerates Vᴸ = 256 responses and π0 sums to 1 over them", () => {
    expect(ys).toHaveLength(256);
    for (let x = 0; x < 3; x++)
      expect(ys.reduce((s, y) => s + Math.exp(sequenceLogProb(pi0, x, y)), 0)).toBeCloseTo(1, 13);
  });

  it("log Z and π*(y) match enumeration to 1e-10", () => {
    for (let x = 0; x < 3; x++) {
      const logits = ys.map((y) => sequenceLogProb(pi0, x, y) + reward(x, y) / eta);
      const lz = logSumExp(logits);
      expect(Math.abs(truth.logZ[x] - lz)).toBeLessThan(1e-10);
      ys.forEach((y, i) =>
        expect(Math.abs(sequenceLogProb(truth.optimal, x, y) - (logits[i] - lz))).toBeLessThan(1e-10),
      );
    }
  });

  it("J, KL to π0, SubOpt and expected features of a random position-dependent Markov policy match enumeration to 1e-10", () => {
    const pi = randomMarkovPolicy(Rng.seeded(4), 3, V, L);
    const m = evaluateMarkovPolicy(problem, truth, pi);
    const feats = expectedSequenceFeatures(problem, pi);
    let J = 0,
      kl0 = 0,
      klStar = 0;
    const w = problem.contextWeights;
    for (let x = 0; x < 3; x++) {
      const f = new Float64Array(problem.dim);
      for (const y of ys) {
        const lp = sequenceLogProb(pi, x, y);
        const p = Math.exp(lp);
        J += w[x] * p * reward(x, y);
        kl0 += w[x] * p * (lp - sequenceLogProb(pi0, x, y));
        klStar += w[x] * p * (lp - sequenceLogProb(truth.optimal, x, y));
        const phi = sequenceFeatures(problem, y);
        for (let k = 0; k < problem.dim; k++) f[k] += p * phi[k];
      }
      for (let k = 0; k < problem.dim; k++) expect(Math.abs(feats[x * problem.dim + k] - f[k])).toBeLessThan(1e-10);
    }
    J -= eta * kl0;
    expect(Math.abs(m.objective - J)).toBeLessThan(1e-10);
    expect(Math.abs(m.klToReference - kl0)).toBeLessThan(1e-10);
    expect(Math.abs(m.subopt - eta * klStar)).toBeLessThan(1e-10);
    // the identities of §1 hold on S too
    expect(Math.abs(truth.optimalObjective - m.objective - m.subopt)).toBeLessThan(1e-10);
    expect(evaluateMarkovPolicy(problem, truth, truth.optimal).subopt).toBeLessThan(1e-12);
  });

  it("exact samples from π* follow its distribution (χ², 40 000 samples, p > 1e-3)", () => {
    const rng = Rng.seeded(7).split("samples");
    const x = 1;
    const counts = new Array(256).fill(0);
    const y = new Int32Array(L);
    for (let i = 0; i < 40_000; i++) {
      sampleSequence(truth.optimal, x, rng, y);
      let k = 0;
      for (let t = 0; t < L; t++) k = k * V + y[t];
      counts[k]++;
    }
    const probs = ys.map((yy) => Math.exp(sequenceLogProb(truth.optimal, x, yy)));
    expect(chiSquareTest(counts, probs).pValue).toBeGreaterThan(1e-3);
  });

  it("the oracle counts queries and prefers higher-reward responses at the BT rate", () => {
    const oracle = inst.makeOracle(Rng.seeded(1));
    const a = ys[0],
      b = ys[255];
    const gap = reward(0, a) - reward(0, b);
    let wins = 0;
    for (let i = 0; i < 20_000; i++) wins += oracle.query(0, a, b);
    const p = 1 / (1 + Math.exp(-gap));
    expect(oracle.queries).toBe(20_000);
    expect(Math.abs(wins / 20_000 - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / 20_000));
  });
});

describe("sequence bandit S: sizes and regression pins", () => {
  it("the large setting (V = 64, L = 32) is solved by the DP alone, with SubOpt(π0) > 0", () => {
    const inst = testbedS(0, SEQUENCE_SIZES.large);
    const m = evaluateMarkovPolicy(inst.problem, inst.truth, referenceMarkovPolicy(inst.problem));
    expect(m.subopt).toBeGreaterThan(0);
    expect(Math.abs(inst.truth.optimalObjective - m.objective - m.subopt)).toBeLessThan(1e-9);
  });

  // A regression pin: the code's own output, recorded once; the DP-vs-enumeration tests check correctness.
  it("regression pin: seed-0 values unchanged (version 1, default size, η = 0.1)", () => {
    const inst = testbedS(0);
    const m = evaluateMarkovPolicy(inst.problem, inst.truth, referenceMarkovPolicy(inst.problem));
    expect([m.subopt, inst.truth.logZ[0], inst.truth.theta[0]]).toEqual(
      REGRESSION_PIN_S.map((g) => expect.closeTo(g, 12)),
    );
  });
});

const REGRESSION_PIN_S = [0.37738771416292805, 4.090471137010798, -0.27925653962685054];
