import * as E from "fp-ts/lib/Either";
import { Rng, cholesky, choleskySolve, linearReward } from "@gsh/core";
import { Covariance, fitBradleyTerryOrThrow, finiteGibbsFamily, gibbsSequencePolicy } from "@gsh/preference";
import { evaluatePolicy, evaluateSequencePolicy, testbedR, testbedS } from "@gsh/testbeds";
import {
  ApoDesign,
  type ExplorationRule,
  apoRule,
  finiteWorld,
  onlineGshf,
  optimisticMle,
  vpoReferenceRule,
  vpoRule,
  xpoRule,
  xpoValueWeight,
} from "../src";

// The rules named after papers, checked against the papers' definitions: XPO's objective (Xie et al. 2024) by
// enumeration and central differences, APO's choice (Das et al. 2024) by brute force, the pairings by sampling.

const inst = testbedR(3, { eta: 0.1 });
const { contexts: X, actions: A, dim: d, features, reference, eta } = inst.problem;
const w = inst.problem.contextWeights;
const family = finiteGibbsFamily(inst.problem);
const n = 80;
const Z = Rng.seeded(5)
  .normals(new Float64Array(n * d))
  .map((v) => 0.3 * v);
const lambda = 1;

/**
 * XPO's objective in its own terms, by enumeration: the penalised BT loss of the data plus
 * α·n·E_{x~d0} E_{ỹ~π0} log π_θ(ỹ|x), π_θ = π0·exp(<θ,φ>/η)/Z_θ written out (independent of vpo.ts).
 */
function xpoObjective(theta: Float64Array, alpha: number): number {
  let loss = 0.5 * lambda * theta.reduce((s, v) => s + v * v, 0);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < d; k++) m += theta[k] * Z[i * d + k];
    loss += Math.log1p(Math.exp(-m));
  }
  const r = linearReward(features, theta);
  let expectedLog = 0;
  for (let x = 0; x < X; x++) {
    let logZ = -Infinity;
    for (let a = 0; a < A; a++) {
      const t = Math.log(reference.probs[x * A + a]) + r[x * A + a] / eta;
      logZ = Math.max(logZ, t) + Math.log1p(Math.exp(-Math.abs(logZ - t)));
    }
    for (let a = 0; a < A; a++) {
      const p0 = reference.probs[x * A + a];
      const logPi = Math.log(p0) + r[x * A + a] / eta - logZ;
      expectedLog += w[x] * p0 * logPi;
    }
  }
  return loss + alpha * n * expectedLog;
}

describe("XPO (Xie et al. 2024): DPO's loss plus α·Σ log π(ỹ), ỹ ~ π0", () => {
  const beta = Math.sqrt(d);
  const alpha = (eta * beta) / Math.sqrt(n); // the rule: α·n/η = β√n
  const solve = (weight: number) => {
    const o = optimisticMle(family, Z, n, { alpha: weight, lambda, tolerance: 1e-12 });
    if (E.isLeft(o)) throw new Error(JSON.stringify(o.left));
    return o.right.theta;
  };

  it("the weight rule is α·n/η = β√n, with α = η·β/√n", () => {
    expect(Math.abs((alpha * n) / eta - xpoValueWeight(beta, n))).toBeLessThan(1e-12);
    expect(xpoValueWeight(beta, 0)).toBe(0);
  });

  it("its optimum is stationary for the paper's objective (central differences, |∂F| < 1e-6) and beats nearby points", () => {
    const theta = solve(xpoValueWeight(beta, n));
    const h = 1e-5;
    const f0 = xpoObjective(theta, alpha);
    for (let k = 0; k < d; k++) {
      const up = theta.slice(),
        down = theta.slice();
      up[k] += h;
      down[k] -= h;
      const fu = xpoObjective(up, alpha),
        fd = xpoObjective(down, alpha);
      expect(Math.abs((fu - fd) / (2 * h))).toBeLessThan(1e-6);
      expect(fu).toBeGreaterThan(f0);
      expect(fd).toBeGreaterThan(f0);
    }
    // optimism: the MLE is not XPO's optimum and scores worse on XPO's objective
    const mle = fitBradleyTerryOrThrow(Z, n, d, { lambda }).theta;
    expect(xpoObjective(mle, alpha)).toBeGreaterThan(f0 + 1e-3);
  });

  it("at α = 0 it is the MLE (1e-9)", () => {
    const theta = solve(0);
    const mle = fitBradleyTerryOrThrow(Z, n, d, { lambda }).theta;
    for (let k = 0; k < d; k++) expect(Math.abs(theta[k] - mle[k])).toBeLessThan(1e-9);
  });
});

/** 20 000 pairs from a rule's plan at context 0: the frequencies of y¹ and of y² (A each). */
function pairFrequencies(rule: ExplorationRule) {
  const world = finiteWorld(inst.problem);
  const theta = fitBradleyTerryOrThrow(Z, n, d, { lambda }).theta;
  const plan = rule({
    world,
    theta,
    main: world.member(theta),
    covariance: new Covariance(d, lambda),
    beta: Math.sqrt(d),
    rng: Rng.seeded(1),
    data: () => ({ z: Z, size: n, lambda }),
  });
  const N = 20000;
  const f1 = new Float64Array(A),
    f2 = new Float64Array(A);
  const rng = Rng.seeded(2);
  for (let i = 0; i < N; i++) {
    const [a, b] = plan.sample(0, rng);
    f1[a] += 1 / N;
    f2[b] += 1 / N;
  }
  return { f1, f2, N };
}

/** Every frequency within 5 binomial standard errors (+1e-3 for p ≈ 0) of p: the draws follow that policy. */
function expectDrawsFrom(freq: Float64Array, probs: ArrayLike<number>, N: number) {
  for (let a = 0; a < A; a++) {
    const p = probs[a];
    expect(Math.abs(freq[a] - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N) + 1e-3);
  }
}

describe("the pairings: XPO and the VPO variant pair with π0, VPO's default draws both from its optimistic policy", () => {
  const optimisticProbs = (weight: number) => {
    const o = optimisticMle(family, Z, n, { alpha: weight, lambda });
    if (E.isLeft(o)) throw new Error("solver failed");
    return family.policyOf(o.right.theta).probs.subarray(0, A);
  };
  const p0 = reference.probs.subarray(0, A);

  it("XPO: y¹ ~ π_θ̃ (α·n/η = β√n), y² ~ π0", () => {
    const { f1, f2, N } = pairFrequencies(xpoRule);
    expectDrawsFrom(f1, optimisticProbs(xpoValueWeight(Math.sqrt(d), n)), N);
    expectDrawsFrom(f2, p0, N);
  });

  it("VPO: y¹, y² ~ π_θ̃ (α = β); the vpo-reference variant: y² ~ π0", () => {
    const both = pairFrequencies(vpoRule);
    const opt = optimisticProbs(Math.sqrt(d));
    expectDrawsFrom(both.f1, opt, both.N);
    expectDrawsFrom(both.f2, opt, both.N);
    const ref = pairFrequencies(vpoReferenceRule);
    expectDrawsFrom(ref.f1, opt, ref.N);
    expectDrawsFrom(ref.f2, p0, ref.N);
  });
});

describe("APO (Das et al. 2024): the triplet of largest ‖z‖_{V⁻¹}, V updated after every choice", () => {
  it("its choices equal the brute-force maximiser over a small pool, query after query (40 queries)", () => {
    const dim = 4,
      N = 30;
    const pool = Rng.seeded(11).normals(new Float64Array(N * dim));
    const cov = new Covariance(dim, 0.5);
    cov.addRows(Rng.seeded(12).normals(new Float64Array(6 * dim)), 6);
    const design = new ApoDesign(pool, N, cov);
    // Brute force: a fresh Cholesky solve of V for every candidate, V += zzᵀ after each choice.
    const V = cov.matrix.slice();
    for (let t = 0; t < 40; t++) {
      const L = cholesky(V, dim);
      let best = -1,
        bestWidth = -Infinity;
      for (let i = 0; i < N; i++) {
        const z = pool.subarray(i * dim, (i + 1) * dim);
        const s = choleskySolve(L, dim, z).reduce((acc, v, k) => acc + v * z[k], 0);
        expect(Math.abs(design.width2(i) - s)).toBeLessThan(1e-9 * Math.max(1, s));
        if (s > bestWidth) {
          bestWidth = s;
          best = i;
        }
      }
      expect(design.next()).toBe(best);
      const z = pool.subarray(best * dim, (best + 1) * dim);
      for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) V[i * dim + j] += z[i] * z[j];
    }
  });

  it("as online GSHF's rule it chooses the contexts, spends T·m queries and beats π0 on R and on S", () => {
    const r = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(2)), Rng.seeded(3), {
      iterations: 5,
      batchSize: 200,
      beta: 1,
      exploration: "apo",
    });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.queries).toBe(1000);
    // contexts are the design's: many more distinct contexts than a handful, none outside the bandit
    const xs = new Set(Array.from({ length: r.right.data.size }, (_, i) => r.right.data.context[i]));
    expect(xs.size).toBeGreaterThan(X / 2);
    const m = evaluatePolicy(inst, r.right.policy);
    const m0 = evaluatePolicy(inst, reference);
    if (E.isLeft(m) || E.isLeft(m0)) throw new Error("scoring failed");
    expect(m.right.subopt).toBeLessThan(m0.right.subopt / 3);
    const seq = testbedS(1, { eta: 0.1 });
    const s = onlineGshf(seq.problem, seq.makeOracle(Rng.seeded(2)), Rng.seeded(3), {
      iterations: 4,
      batchSize: 150,
      beta: 1,
      exploration: "apo",
    });
    if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
    expect(s.right.queries).toBe(600);
    const ms = evaluateSequencePolicy(seq, gibbsSequencePolicy(s.right.policy));
    if (E.isLeft(ms)) throw new Error(ms.left);
    expect(ms.right.subopt).toBeLessThan(0.364); // SubOpt(π0) on S (README)
  });

  it("a plan asked for a pair at a context it did not choose is a typed error", () => {
    const world = finiteWorld(inst.problem);
    const plan = apoRule({
      world,
      theta: new Float64Array(d),
      main: world.member(new Float64Array(d)),
      covariance: new Covariance(d, 1),
      beta: 1,
      rng: Rng.seeded(0),
    });
    expect(() => plan.sample(0, Rng.seeded(1))).toThrow(/chooses its contexts/);
    const x = plan.context!(Rng.seeded(1));
    const [a, b] = plan.sample(x, Rng.seeded(1));
    expect(a).not.toBe(b);
  });
});
