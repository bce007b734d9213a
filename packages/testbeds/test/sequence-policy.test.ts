import * as E from "fp-ts/lib/Either";
import { GshException, Rng } from "@gsh/core";
import {
  type MarkovPolicy,
  enumerateResponses,
  markovAsSampler,
  markovSequencePolicy,
  referenceMarkovPolicy,
  sequenceFeatures,
  sequenceLogProb,
  sequencePairs,
  sequenceFeatureCovariance,
  bigramReward,
  factoredGibbsPolicy,
  gibbsSequenceLogProb,
  gibbsSequencePolicy,
  sampleGibbsSequence,
  sampleSequence,
  sequenceGibbs,
  sequenceGibbsFamily,
} from "@gsh/preference";
import {
  SEQUENCE_SIZES,
  evaluateMarkovPolicy,
  evaluateSequencePolicy,
  sampleSequenceOfflineData,
  testbedS,
} from "../src";
import { randomMarkovPolicy } from "./helpers";

describe("sequence policies are scored at the environment boundary in three forms", () => {
  const inst = testbedS(1, { ...SEQUENCE_SIZES.tiny, prompts: 4, eta: 0.3 });
  const { vocab: V, length: L, prompts: X } = inst.problem;
  const pi = randomMarkovPolicy(Rng.seeded(7), X, V, L, 0.7);
  const exact = evaluateMarkovPolicy(inst.problem, inst.truth, pi);

  it("an enumerated table of a Markov policy gives the DP's exact metrics (to 1e-12)", () => {
    const ys = enumerateResponses(V, L);
    const logProbs = new Float64Array(X * ys.length);
    for (let x = 0; x < X; x++) ys.forEach((y, i) => (logProbs[x * ys.length + i] = sequenceLogProb(pi, x, y)));
    const m = evaluateSequencePolicy(inst, { kind: "enumerated", prompts: X, vocab: V, length: L, logProbs });
    if (E.isLeft(m)) throw new Error(m.left);
    expect(m.right.estimated).toBe(false);
    for (const k of ["subopt", "trueReward", "klToReference", "objective"] as const)
      expect(Math.abs(m.right[k] - exact[k])).toBeLessThan(1e-12);
  });

  it("the Monte-Carlo estimate of a Markov policy covers its exact DP value within the 99% interval", () => {
    // 99% interval = 2.576 SE = (2.576/1.96)·(reported 95% half-width). Fixed seed; 4 metrics checked.
    const m = evaluateSequencePolicy(inst, markovAsSampler(pi), { rng: Rng.seeded(11), samplesPerPrompt: 2000 });
    if (E.isLeft(m)) throw new Error(m.left);
    expect(m.right.estimated).toBe(true);
    expect(m.right.samplesPerPrompt).toBe(2000);
    for (const k of ["subopt", "trueReward", "klToReference", "objective"] as const) {
      const half99 = (m.right.ci95![k] * 2.576) / 1.96;
      expect(half99).toBeGreaterThan(0);
      expect(Math.abs(m.right[k] - exact[k])).toBeLessThan(half99);
    }
  });

  it("π* itself has SubOpt 0 in every form; π0 has SubOpt = η·E KL(π0‖π*) > 0", () => {
    const opt = evaluateSequencePolicy(inst, markovSequencePolicy(inst.truth.optimal));
    expect(E.isRight(opt) && Math.abs(opt.right.subopt)).toBeLessThan(1e-12);
    const ref = evaluateSequencePolicy(inst, markovSequencePolicy(referenceMarkovPolicy(inst.problem)));
    expect(E.isRight(ref) && ref.right.klToReference).toBe(0);
    expect(E.isRight(ref) && ref.right.subopt).toBeGreaterThan(0.01);
  });

  it("refuses invalid policies with a message (wrong sizes, rows not summing to 1, bad samples)", () => {
    const bad = { ...pi, probs: pi.probs.map((p, i) => (i === 3 ? p + 0.1 : p)) };
    const r1 = evaluateSequencePolicy(inst, markovSequencePolicy(bad));
    expect(E.isLeft(r1) && r1.left).toMatch(/row 0 sums to/);
    const r2 = evaluateSequencePolicy(inst, markovSequencePolicy({ ...pi, length: L + 1 }));
    expect(E.isLeft(r2) && r2.left).toMatch(/L=5/);
    const r3 = evaluateSequencePolicy(
      inst,
      {
        kind: "sampler",
        prompts: X,
        sample: (_x, n) => ({ responses: new Int32Array(n * L).fill(V), logProbs: new Float64Array(n) }),
      },
      { rng: Rng.seeded(0) },
    );
    expect(E.isLeft(r3) && r3.left).toMatch(/token 4 outside/);
    const r4 = evaluateSequencePolicy(inst, markovAsSampler(pi));
    expect(E.isLeft(r4) && r4.left).toMatch(/needs an rng/);
  });
});

describe("testbed S validates its sizes and η with typed errors naming the field", () => {
  it.each([
    [{ vocab: 0 }, "vocab"],
    [{ length: 0 }, "length"],
    [{ eta: 0 }, "eta"],
    [{ eta: -1 }, "eta"],
    [{ dim: 1.5 }, "dim"],
  ])("%p → invalid %s", (params, field) => {
    try {
      testbedS(0, params);
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(GshException);
      expect((e as GshException).error).toMatchObject({ _tag: "InvalidArgument", field });
    }
  });
});

describe("sequence offline data carry the responses", () => {
  it("pairs give back the features of chosen and rejected and the labels' orientation", () => {
    const inst = testbedS(2);
    const off = sampleSequenceOfflineData(inst, 50, 2);
    expect(off.queries).toBe(50);
    const pairs = sequencePairs(off, inst.problem.length);
    pairs.forEach((p, i) => {
      const y = off.data.label[i];
      const fc = sequenceFeatures(inst.problem, p.chosen);
      const want = (y === 1 ? off.data.firstFeatures : off.data.secondFeatures).subarray(i * 16, (i + 1) * 16);
      for (let k = 0; k < 16; k++) expect(fc[k]).toBe(want[k]);
    });
    expect(() => sampleSequenceOfflineData(inst, -5, 0)).toThrow(/n must be an integer/);
    expect(() => sampleSequenceOfflineData(inst, 1.5, 0)).toThrow(/n must be an integer/);
  });
});

describe("the DP's log Z stays exact where the fast kernel underflows (tiny and huge η, against enumeration)", () => {
  it.each([1e-5, 1e-3, 0.3, 50])(
    "η = %p: log Z(x) matches log-sum-exp over all Vᴸ responses to 1e-9 (relative)",
    (eta) => {
      const inst = testbedS(4, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta });
      const { problem, truth } = inst;
      const pi0 = referenceMarkovPolicy(problem);
      const ys = enumerateResponses(problem.vocab, problem.length);
      for (let x = 0; x < 3; x++) {
        const terms = ys.map((y) => {
          let r = 0;
          const f = sequenceFeatures(problem, y);
          for (let k = 0; k < problem.dim; k++) r += f[k] * truth.theta[k];
          return sequenceLogProb(pi0, x, y) + r / eta;
        });
        const max = Math.max(...terms);
        const lse = max + Math.log(terms.reduce((s, v) => s + Math.exp(v - max), 0));
        expect(Math.abs(truth.logZ[x] - lse)).toBeLessThan(1e-9 * Math.max(1, Math.abs(lse)));
      }
      const m = evaluateSequencePolicy(inst, markovSequencePolicy(truth.optimal));
      expect(E.isRight(m) && m.right.subopt).toBeLessThan(1e-9);
    },
  );
});

describe("the sequence family's feature covariance (forward pass) equals enumeration", () => {
  it("E_x Cov_π(φ) for a position-dependent Markov policy and for a Gibbs member, to 1e-12", () => {
    const inst = testbedS(5, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
    const { problem } = inst;
    const d = problem.dim;
    const ys = enumerateResponses(problem.vocab, problem.length);
    const feats = ys.map((y) => sequenceFeatures(problem, y));
    const enumerated = (pi: MarkovPolicy) => {
      const C = new Float64Array(d * d);
      for (let x = 0; x < problem.prompts; x++) {
        const p = ys.map((y) => Math.exp(sequenceLogProb(pi, x, y)));
        const mean = new Float64Array(d);
        p.forEach((q, i) => feats[i].forEach((v, k) => (mean[k] += q * v)));
        p.forEach((q, i) => {
          for (let a = 0; a < d; a++)
            for (let b = 0; b < d; b++)
              C[a * d + b] += (q * (feats[i][a] - mean[a]) * (feats[i][b] - mean[b])) / problem.prompts;
        });
      }
      return C;
    };
    const random = randomMarkovPolicy(Rng.seeded(3), problem.prompts, problem.vocab, problem.length, 0.7);
    const fam = sequenceGibbsFamily(problem);
    const theta = inst.truth.theta.map((v) => 0.8 * v);
    for (const [pi, C] of [
      [random, sequenceFeatureCovariance(problem, random)],
      [fam.policyOf(theta), fam.featureCovariance!(theta)],
    ] as const) {
      const ref = enumerated(pi);
      let worst = 0;
      for (let i = 0; i < d * d; i++) worst = Math.max(worst, Math.abs(C[i] - ref[i]));
      expect(worst).toBeLessThan(1e-12);
    }
  });
});

describe("factored Gibbs policies (kernel and backward messages) agree with the dense DP", () => {
  it.each([
    ["tiny", SEQUENCE_SIZES.tiny, 0.3],
    ["S", SEQUENCE_SIZES.default, 0.1],
    ["large", SEQUENCE_SIZES.large, 0.1],
  ] as const)("%s: log Z, metrics (1e-10) and the same draws for a fixed seed", (_n, sizes, eta) => {
    const inst = testbedS(3, { ...sizes, eta });
    const theta = inst.truth.theta.map((v, k) => 0.6 * v + 0.3 * Math.cos(k));
    const b = bigramReward(inst.problem, theta);
    const dense = sequenceGibbs(inst.problem, b, eta);
    const factored = factoredGibbsPolicy(inst.problem, b, eta);
    for (let x = 0; x < inst.problem.prompts; x++)
      expect(Math.abs(factored.logZ[x] - dense.logZ[x])).toBeLessThan(1e-10 * Math.max(1, Math.abs(dense.logZ[x])));
    const md = evaluateMarkovPolicy(inst.problem, inst.truth, dense.policy);
    const mf = evaluateSequencePolicy(inst, gibbsSequencePolicy(factored));
    if (E.isLeft(mf)) throw new Error(mf.left);
    for (const k of ["subopt", "trueReward", "klToReference", "objective"] as const)
      expect(Math.abs(mf.right[k] - md[k])).toBeLessThan(1e-10);
    const r1 = Rng.seeded(9),
      r2 = Rng.seeded(9);
    let same = 0;
    for (let i = 0; i < 500; i++) {
      const x = i % inst.problem.prompts;
      const a = sampleGibbsSequence(factored, x, r1);
      const c = sampleSequence(dense.policy, x, r2);
      if (a.every((v, t) => v === c[t])) same++;
      expect(gibbsSequenceLogProb(inst.problem, factored, x, a)).toBeCloseTo(sequenceLogProb(dense.policy, x, a), 9);
    }
    expect(same).toBeGreaterThanOrEqual(499); // identical draws but where rounding splits a boundary
  });
});
