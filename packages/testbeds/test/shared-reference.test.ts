import * as E from "fp-ts/lib/Either";
import { Rng, chiSquareQuantile, softmaxInto, uniformWeights } from "@gsh/core";
import { type SequenceInstance, countedSequenceOracle, BRADLEY_TERRY, evaluateSequencePolicy } from "../src";
import {
  type SequenceProblem,
  bigramReward,
  enumerateResponses,
  expectedGibbsFeatures,
  factoredGibbsPolicy,
  gibbsRows,
  gibbsSequencePolicy,
  referenceLogProb,
  referenceRow,
  sampleGibbsSequence,
  sampleReferenceSequence,
  sequenceFeatureCovariance,
  sharedFeatureCovariance,
  sequenceFeatures,
  sequenceGibbs,
  sequenceReward,
} from "@gsh/preference";

// A sequence bandit whose π0 is shared by the prompts (the text testbed's layout): V token rows plus one start row
// per prompt. Everything the DP computes on it is checked against brute-force enumeration of the Vᴸ responses.
const [X, V, L, d, eta] = [3, 3, 4, 2, 0.4];
const rng = Rng.seeded(11);
const reference = new Float64Array((V + X) * V);
const g = new Float64Array(V);
for (let r = 0; r < V + X; r++) {
  for (let v = 0; v < V; v++) g[v] = 1.5 * rng.normal();
  softmaxInto(g, reference.subarray(r * V, (r + 1) * V), 0, V);
}
reference[1 * V + 2] = 0; // a zero of π0 (renormalised below): the DP must keep it out of the support
const rowSum = reference[1 * V] + reference[1 * V + 1];
reference[1 * V] /= rowSum;
reference[1 * V + 1] /= rowSum;
const psi = new Float64Array((V + 1) * V * d);
for (let i = 0; i < psi.length; i++) psi[i] = rng.normal() / 2;
const problem: SequenceProblem = {
  prompts: X,
  vocab: V,
  length: L,
  dim: d,
  reference,
  referenceLayout: "shared",
  psi,
  contextWeights: Float64Array.from([0.5, 0.3, 0.2]),
  eta,
  normBound: 3,
};
const theta = Float64Array.from([1.2, -0.7]);
const b = bigramReward(problem, theta);
const ys = enumerateResponses(V, L);

/** log π0(y|x) by walking the rows by hand. */
function logPi0(x: number, y: Int32Array): number {
  let s = -1;
  let lp = 0;
  for (const v of y) {
    const row = s < 0 ? V + x : s;
    lp += Math.log(reference[row * V + v]);
    s = v;
  }
  return lp;
}

describe("a shared π0 (V rows + one start row per prompt) against enumeration", () => {
  it("the row map sends (x, s < V) to the shared row s and (x, start) to V + x", () => {
    expect(referenceRow(problem, 2, 1)).toBe(1);
    expect(referenceRow(problem, 2, V)).toBe(V + 2);
    expect(referenceRow({ ...problem, referenceLayout: "per-prompt" }, 2, 1)).toBe(2 * (V + 1) + 1);
    for (let x = 0; x < X; x++)
      for (const y of ys.slice(0, 20)) expect(referenceLogProb(problem, x, y)).toBe(logPi0(x, y));
  });

  it("log Z, expected features and the feature covariance (row by row, and by the shared backward pass) match enumeration (1e-12)", () => {
    const policy = factoredGibbsPolicy(problem, b, eta);
    const features = expectedGibbsFeatures(problem, policy);
    const cov = sequenceFeatureCovariance(problem, gibbsRows(policy));
    const shared = sharedFeatureCovariance(problem, policy);
    const exactCov = new Float64Array(d * d);
    const f = new Float64Array(d);
    for (let x = 0; x < X; x++) {
      const logits = ys.map((y) => logPi0(x, y) + sequenceReward(b, V, y) / eta);
      const m = Math.max(...logits.filter((l) => l > -Infinity));
      const z = logits.reduce((a, l) => a + Math.exp(l - m), 0);
      expect(Math.abs(policy.logZ[x] - (m + Math.log(z)))).toBeLessThan(1e-12);
      const mean = new Float64Array(d);
      const second = new Float64Array(d * d);
      ys.forEach((y, i) => {
        const p = Math.exp(logits[i] - m) / z;
        sequenceFeatures(problem, y, f);
        for (let a = 0; a < d; a++) {
          mean[a] += p * f[a];
          for (let c = 0; c < d; c++) second[a * d + c] += p * f[a] * f[c];
        }
      });
      for (let a = 0; a < d; a++) expect(Math.abs(features[x * d + a] - mean[a])).toBeLessThan(1e-12);
      for (let a = 0; a < d; a++)
        for (let c = 0; c < d; c++)
          exactCov[a * d + c] += problem.contextWeights[x] * (second[a * d + c] - mean[a] * mean[c]);
    }
    for (let i = 0; i < d * d; i++) expect(Math.abs(cov[i] - exactCov[i])).toBeLessThan(1e-12);
    for (let i = 0; i < d * d; i++) expect(Math.abs(shared[i] - exactCov[i])).toBeLessThan(1e-12);
  });

  it("with factored features ψ(s,v) = word(v) + [s = v]·same(v) the matrix-product pass gives the same φ(x, π) (1e-12)", () => {
    const word = new Float64Array(V * d).map(() => rng.normal() / 2);
    const same = new Float64Array(V * d).map(() => rng.normal() / 2);
    const dense = new Float64Array((V + 1) * V * d);
    for (let s = 0; s <= V; s++)
      for (let v = 0; v < V; v++)
        for (let k = 0; k < d; k++) dense[(s * V + v) * d + k] = word[v * d + k] + (s === v ? same[v * d + k] : 0);
    const plain = { ...problem, psi: dense };
    const factored = { ...plain, featureFactors: { word, same } };
    const policy = factoredGibbsPolicy(plain, bigramReward(plain, theta), eta);
    const a = expectedGibbsFeatures(plain, policy);
    const f = expectedGibbsFeatures(factored, policy);
    for (let i = 0; i < X * d; i++) expect(Math.abs(a[i] - f[i])).toBeLessThan(1e-12);
  });

  it("its metrics (from the prompt mixture's occupancy) equal those of the enumerated policy (1e-12)", () => {
    const truthPolicy = factoredGibbsPolicy(problem, bigramReward(problem, Float64Array.from([-0.4, 1])), eta);
    const instance: SequenceInstance = {
      id: "shared",
      version: 1,
      problem,
      truth: {
        theta: Float64Array.from([-0.4, 1]),
        bigram: truthPolicy.bigram,
        get optimal() {
          return sequenceGibbs(problem, truthPolicy.bigram, eta).policy;
        },
        optimalGibbs: truthPolicy,
        logZ: truthPolicy.logZ,
        optimalObjective: 0,
      },
      makeOracle: (r) =>
        countedSequenceOracle(problem, (y) => sequenceReward(truthPolicy.bigram, V, y), BRADLEY_TERRY, r),
    };
    const policy = factoredGibbsPolicy(problem, b, eta);
    const logProbs = new Float64Array(X * ys.length);
    for (let x = 0; x < X; x++)
      ys.forEach(
        (y, i) => (logProbs[x * ys.length + i] = logPi0(x, y) + sequenceReward(b, V, y) / eta - policy.logZ[x]),
      );
    const viaDp = evaluateSequencePolicy(instance, gibbsSequencePolicy(policy));
    const viaEnum = evaluateSequencePolicy(instance, { kind: "enumerated", prompts: X, vocab: V, length: L, logProbs });
    if (E.isLeft(viaDp) || E.isLeft(viaEnum)) throw new Error("scoring failed");
    for (const k of ["subopt", "trueReward", "klToReference", "objective"] as const)
      expect(Math.abs(viaDp.right[k] - viaEnum.right[k])).toBeLessThan(1e-12);
    expect(viaDp.right.subopt).toBeGreaterThan(1e-3);
    // A per-prompt policy handed to a shared problem is refused, not misread.
    const wrong = { ...policy, referenceLayout: "per-prompt" as const };
    expect(evaluateSequencePolicy(instance, gibbsSequencePolicy(wrong))).toEqual(
      E.left("Gibbs policy has π0 layout 'per-prompt', the problem has 'shared'"),
    );
  });

  it("samples of π0 and of the Gibbs policy follow the enumerated distributions (chi-square, 20k draws, p > 0.001)", () => {
    const policy = factoredGibbsPolicy(problem, b, eta);
    const n = 20_000;
    const x = 1;
    const draw = Rng.seeded(5);
    const code = (y: Int32Array) => y.reduce((k, v) => k * V + v, 0);
    const y = new Int32Array(L);
    for (const [name, sample, logProb] of [
      ["π0", () => sampleReferenceSequence(problem, x, draw, y), (yy: Int32Array) => logPi0(x, yy)],
      [
        "Gibbs",
        () => sampleGibbsSequence(policy, x, draw, y),
        (yy: Int32Array) => logPi0(x, yy) + sequenceReward(b, V, yy) / eta - policy.logZ[x],
      ],
    ] as const) {
      const counts = new Float64Array(ys.length);
      for (let i = 0; i < n; i++) counts[code(sample())]++;
      // Pool cells with expectation < 5 into one, then compare the statistic to the χ² 0.999 quantile (normal approx.).
      let stat = 0,
        cells = 0,
        poolO = 0,
        poolE = 0;
      ys.forEach((yy, i) => {
        const e = n * Math.exp(logProb(yy));
        if (e === 0) expect(counts[i]).toBe(0);
        else if (e < 5) {
          poolO += counts[i];
          poolE += e;
        } else {
          stat += (counts[i] - e) ** 2 / e;
          cells++;
        }
      });
      if (poolE > 0) {
        stat += (poolO - poolE) ** 2 / poolE;
        cells++;
      }
      expect({ name, below: stat < chiSquareQuantile(0.999, cells - 1) }).toEqual({ name, below: true });
    }
  });

  it("the factored tables hold (V + X)·V, L·(V+1) and L·(V+1) + X numbers: nothing per prompt but its start row", () => {
    const policy = factoredGibbsPolicy({ ...problem, contextWeights: uniformWeights(X) }, b, eta);
    expect(policy.kernel.length).toBe((V + X) * V);
    expect(policy.messages.length).toBe(L * (V + 1));
    expect(policy.normalizers.length).toBe(L * (V + 1) + X);
  });
});
