import * as E from "fp-ts/lib/Either";
import { Rng, cholesky, choleskySolve, dot } from "@gsh/core";
import {
  Covariance,
  confidenceWidth,
  estimationError,
  identifiedProjection,
  logisticCurvature,
  maxRewardGap,
  rewardGapBound,
  sequenceFeatures,
  sequenceRewardGapBound,
} from "@gsh/preference";
import { SEQUENCE_SIZES, testbedP, testbedR, testbedS } from "../src";

describe("covariance, γ and β", () => {
  const rng = Rng.seeded(0).split("cov");

  it("incremental (rank-1) and batched additions give λI + Σ zzᵀ and the same Mahalanobis norms", () => {
    const d = 5;
    const n = 40;
    const Z = rng.normals(new Float64Array(n * d));
    const a = new Covariance(d, 0.7);
    a.cholesky(); // so that the adds below go through rank-1 factor updates
    for (let i = 0; i < n; i++) a.add(Z.subarray(i * d, (i + 1) * d));
    const b = new Covariance(d, 0.7);
    b.addRows(Z, n);
    const S = new Float64Array(d * d);
    for (let i = 0; i < d; i++) S[i * d + i] = 0.7;
    for (let r = 0; r < n; r++)
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) S[i * d + j] += Z[r * d + i] * Z[r * d + j];
    for (let i = 0; i < d * d; i++) {
      expect(a.matrix[i]).toBeCloseTo(S[i], 11);
      expect(b.matrix[i]).toBeCloseTo(S[i], 11);
    }
    const v = rng.normals(new Float64Array(d));
    const exact = Math.sqrt(dot(v, choleskySolve(cholesky(S, d), d, v)));
    expect(a.norm(v)).toBeCloseTo(exact, 11);
    expect(b.norm(v)).toBeCloseTo(exact, 11);
    expect(b.norms(v, 1)[0]).toBeCloseTo(exact, 11);
    expect(b.size).toBe(n);
  });

  it("the 1/m-normalized form scales the data term only", () => {
    const c = new Covariance(2, 1, 0.5);
    c.addRows(Float64Array.from([2, 0]), 1);
    expect(Array.from(c.matrix)).toEqual([3, 0, 0, 1]);
  });

  it("γ = σ'(z_max), z_max from features and B, β by its formula with an explicit constant", () => {
    expect(logisticCurvature(0)).toBe(0.25);
    expect(logisticCurvature(6)).toBeCloseTo(1 / (2 + Math.exp(6) + Math.exp(-6)), 15);
    const f = { contexts: 1, actions: 3, dim: 2, values: Float64Array.from([1, 0, 0, 1, -1, 0]) };
    expect(maxRewardGap(f, 3)).toEqual({ value: 6, exact: true });
    const inst = testbedR(0);
    const gap = maxRewardGap(inst.problem.features, 3);
    expect(gap.exact).toBe(true);
    expect(gap.value).toBeLessThanOrEqual(6);
    const gamma = logisticCurvature(gap.value);
    const beta = confidenceWidth({ dim: 8, delta: 0.05, gamma, lambda: 1, normBound: 3, constant: 1 });
    expect(E.isRight(beta) && beta.right).toBeCloseTo(Math.sqrt((8 + Math.log(20)) / gamma ** 2 + 9), 8);
    // the spec's remark: on R with c = 1, β is in the hundreds to thousands
    expect(E.isRight(beta) && beta.right > 300).toBe(true);
    const bad = confidenceWidth({ dim: 8, delta: 1.5, gamma, lambda: 1, normBound: 3, constant: 1 });
    expect(bad).toBeLeft("InvalidArgument", { field: "delta" });
  });

  it("estimationError is ‖θ̂ − θ*‖_Σ", () => {
    const c = new Covariance(2, 1);
    c.addRows(Float64Array.from([1, 1]), 1); // Σ = [[2,1],[1,2]]
    expect(estimationError(c.matrix, Float64Array.from([1, 0]), Float64Array.from([0, 0]))).toBeCloseTo(Math.SQRT2, 15);
  });

  it("identifiedProjection: I − 11ᵀ/d on tabular P (a shift of every reward is invisible to BT), I on R", () => {
    const P = identifiedProjection(testbedP(0).problem.features);
    const d = 32;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) expect(Math.abs(P[i * d + j] - ((i === j ? 1 : 0) - 1 / d))).toBeLessThan(1e-12);
    const PR = identifiedProjection(testbedR(0).problem.features);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++) expect(Math.abs(PR[i * 8 + j] - (i === j ? 1 : 0))).toBeLessThan(1e-10);
    // θ* and θ* + c·1 are one model on P: the same estimation error once projected, not without the projection
    const sigma = new Float64Array(d * d);
    for (let i = 0; i < d; i++) sigma[i * d + i] = 1 + i;
    const hat = Float64Array.from({ length: d }, (_, i) => Math.sin(i));
    const star = Float64Array.from({ length: d }, (_, i) => Math.cos(i));
    const shifted = star.map((v) => v + 5);
    expect(Math.abs(estimationError(sigma, hat, star, P) - estimationError(sigma, hat, shifted, P))).toBeLessThan(
      1e-12,
    );
    expect(estimationError(sigma, hat, shifted)).toBeGreaterThan(estimationError(sigma, hat, shifted, P) + 1);
  });

  it("z_max on sequences bounds the brute-force maximum over every pair of responses (tiny S), and is exact on finite actions", () => {
    for (const seed of [0, 1, 2]) {
      const inst = testbedS(seed, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
      const p = inst.problem;
      const { vocab: V, length: L, dim: d } = p;
      // every response y ∈ V^L (π0 > 0 everywhere on S), its φ, and the largest ‖φ(y) − φ(y′)‖ by enumeration
      const count = V ** L;
      const phis = new Float64Array(count * d);
      const y = new Int32Array(L);
      for (let i = 0; i < count; i++) {
        for (let t = 0, r = i; t < L; t++, r = Math.floor(r / V)) y[t] = r % V;
        phis.set(sequenceFeatures(p, y), i * d);
      }
      let widest = 0;
      for (let i = 0; i < count; i++)
        for (let j = i + 1; j < count; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += (phis[i * d + k] - phis[j * d + k]) ** 2;
          widest = Math.max(widest, s);
        }
      const exact = p.normBound * Math.sqrt(widest);
      const bound = sequenceRewardGapBound(p);
      expect(bound.exact).toBe(false);
      expect(bound.value).toBeGreaterThanOrEqual(exact);
      expect(bound.value).toBeLessThanOrEqual(2 * p.normBound); // never looser than the unit-ball bound 2B
      expect(rewardGapBound(p).value).toBe(bound.value);
    }
    const r = testbedR(0);
    expect(rewardGapBound(r.problem)).toEqual(maxRewardGap(r.problem.features, r.problem.normBound));
  });
});
