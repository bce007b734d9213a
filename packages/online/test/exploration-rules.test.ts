import * as E from "fp-ts/lib/Either";
import { GshException, Rng, cholesky, choleskySolve, gibbsPolicy, linearReward, sigmoid } from "@gsh/core";
import {
  Covariance,
  bradleyTerryHessian,
  bradleyTerryLoss,
  fitBradleyTerryOrThrow,
  finiteGibbsFamily,
  gibbsSequencePolicy,
} from "@gsh/preference";
import { evaluatePolicy, evaluateSequencePolicy, testbedR, testbedS } from "@gsh/testbeds";
import {
  entropyWidthPairs,
  entropyWidthScore,
  bestEntropyWidthPair,
  bootstrapPair,
  calibratedValue,
  laplacePosteriorRule,
  laplacePosteriorSampler,
  finiteWorld,
  onlineGshf,
  optimisticMle,
  type ExplorationName,
  ucbBonusPolicy,
} from "../src";

/** Online GSHF on R (seed 1, 5 rounds of 200) with a rule: its queries and SubOpt against π0's. */
function runOnR(exploration: ExplorationName, beta = 1) {
  const inst = testbedR(1, { eta: 0.1 });
  const r = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(2)), Rng.seeded(3), {
    iterations: 5,
    batchSize: 200,
    beta,
    exploration,
  });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  const m = evaluatePolicy(inst, r.right.policy);
  const m0 = evaluatePolicy(inst, inst.problem.reference);
  if (E.isLeft(m) || E.isLeft(m0)) throw new Error("scoring failed");
  return { queries: r.right.queries, subopt: m.right.subopt, suboptOfReference: m0.right.subopt };
}

/** Online GSHF on the sequence bandit S (seed 1, 4 rounds of 150) with a rule: its queries and exact SubOpt. */
function runOnS(exploration: ExplorationName, beta = 1) {
  const seq = testbedS(1, { eta: 0.1 });
  const s = onlineGshf(seq.problem, seq.makeOracle(Rng.seeded(2)), Rng.seeded(3), {
    iterations: 4,
    batchSize: 150,
    beta,
    exploration,
  });
  if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
  const ms = evaluateSequencePolicy(seq, gibbsSequencePolicy(s.right.policy));
  if (E.isLeft(ms)) throw new Error(ms.left);
  return { queries: s.right.queries, subopt: ms.right.subopt };
}

describe("posterior sampling for Bradley-Terry (Laplace)", () => {
  it("the Hessian is λI + Σ σ(m)σ(−m)·z zᵀ at θ, by the closed form (1e-12)", () => {
    const rng = Rng.seeded(4);
    const [n, d, lambda] = [50, 3, 0.7];
    const Z = rng.normals(new Float64Array(n * d));
    const theta = Float64Array.from([0.4, -1.1, 0.3]);
    const H = bradleyTerryHessian(Z, n, d, theta, lambda);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        let h = a === b ? lambda : 0;
        for (let i = 0; i < n; i++) {
          let m = 0;
          for (let k = 0; k < d; k++) m += Z[i * d + k] * theta[k];
          h += sigmoid(m) * sigmoid(-m) * Z[i * d + a] * Z[i * d + b];
        }
        expect(Math.abs(H[a * d + b] - h)).toBeLessThan(1e-12);
      }
  });

  it("draws have mean θ̂ and covariance H⁻¹ (20 000 draws, every entry within 4.5 standard errors)", () => {
    const theta = Float64Array.from([1, -2, 0.5]);
    // H = [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]]; its inverse by the adjugate.
    const H = Float64Array.from([4, 1, 0, 1, 3, 0.5, 0, 0.5, 2]);
    const det = 4 * (3 * 2 - 0.25) - 1 * (1 * 2 - 0) + 0;
    const inv = [
      [(3 * 2 - 0.25) / det, -(1 * 2 - 0) / det, (1 * 0.5 - 0) / det],
      [-(1 * 2 - 0) / det, (4 * 2 - 0) / det, -(4 * 0.5 - 0) / det],
      [(1 * 0.5 - 0) / det, -(4 * 0.5 - 0) / det, (4 * 3 - 1) / det],
    ];
    const draw = laplacePosteriorSampler(theta, H);
    const rng = Rng.seeded(9);
    const N = 20_000;
    const mean = [0, 0, 0];
    const second = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      const t = draw(rng);
      for (let a = 0; a < 3; a++) {
        mean[a] += t[a] / N;
        for (let b = 0; b < 3; b++) second[a * 3 + b] += ((t[a] - theta[a]) * (t[b] - theta[b])) / N;
      }
    }
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(mean[a] - theta[a])).toBeLessThan(4.5 * Math.sqrt(inv[a][a] / N));
      for (let b = 0; b < 3; b++) {
        const se = Math.sqrt((inv[a][a] * inv[b][b] + inv[a][b] ** 2) / N);
        expect(Math.abs(second[a * 3 + b] - inv[a][b])).toBeLessThan(4.5 * se);
      }
    }
  });

  it("as online GSHF's rule it spends T·m queries and beats π0, on R and on the sequence bandit S", () => {
    const r = runOnR("posterior-laplace");
    expect(r.queries).toBe(1000);
    expect(r.subopt).toBeLessThan(r.suboptOfReference / 3);

    const seq = runOnS("posterior-laplace");
    expect(seq.queries).toBe(600);
    expect(seq.subopt).toBeLessThan(0.364); // SubOpt(π0) on S (README)
  });

  it("a state without the data's Hessian is refused with a typed error", () => {
    const inst = testbedR(0);
    const world = finiteWorld(inst.problem);
    const state = {
      world,
      theta: new Float64Array(8),
      main: world.uniform,
      covariance: new Covariance(8, 1),
      beta: 1,
      rng: Rng.seeded(0),
    };
    expect(() => laplacePosteriorRule(state)).toThrow(GshException);
    expect(() => laplacePosteriorRule(state)).toThrow(/posterior sampling needs the Hessian/);
  });

  it("bootstrap: the ensemble's spread matches the MLE's H⁻¹ on well-specified BT data (400 members, diagonal within 20%)", () => {
    const rng = Rng.seeded(21);
    const [n, d, lambda] = [3000, 2, 1];
    const thetaStar = Float64Array.from([1, -0.5]);
    const Z = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const z = rng.normals(new Float64Array(d));
      const p = sigmoid(z[0] * thetaStar[0] + z[1] * thetaStar[1]);
      const sign = rng.uniform() < p ? 1 : -1; // the winner's minus the loser's features
      Z[i * d] = sign * z[0];
      Z[i * d + 1] = sign * z[1];
    }
    const thetaHat = fitBradleyTerryOrThrow(Z, n, d, { lambda }).theta;
    const H = bradleyTerryHessian(Z, n, d, thetaHat, lambda);
    const det = H[0] * H[3] - H[1] * H[2];
    const inv = [H[3] / det, H[0] / det];
    const members: Float64Array[] = [];
    for (let k = 0; k < 200; k++) members.push(...bootstrapPair(Z, n, d, lambda, thetaHat, rng.split(`round/${k}`)));
    for (let a = 0; a < d; a++) {
      const mean = members.reduce((s, m) => s + m[a], 0) / members.length;
      const v = members.reduce((s, m) => s + (m[a] - mean) ** 2, 0) / (members.length - 1);
      expect(Math.abs(v / inv[a] - 1)).toBeLessThan(0.2);
      expect(Math.abs(mean - thetaHat[a])).toBeLessThan(4.5 * Math.sqrt(inv[a] / members.length) + 0.02);
    }
    const [t1, t2] = bootstrapPair(Z, n, d, lambda, thetaHat, Rng.seeded(1));
    expect(t1).not.toEqual(t2); // two distinct members
  });

  it("bootstrap as online GSHF's rule spends T·m queries and beats π0 on R", () => {
    const r = runOnR("posterior-bootstrap");
    expect(r.queries).toBe(1000);
    expect(r.subopt).toBeLessThan(r.suboptOfReference / 3);
  });
});

describe("the UCB-bonus rule (formerly mislabelled XPO-style optimism)", () => {
  const inst = testbedR(3, { eta: 0.1 });
  const d = inst.problem.dim;
  const theta = Rng.seeded(5)
    .normals(new Float64Array(d))
    .map((v) => 0.5 * v);
  const covariance = new Covariance(d, 1);
  covariance.addRows(Rng.seeded(6).normals(new Float64Array(40 * d)), 40);

  it("with β = 0 its exploring policy is the main agent, π0·exp(<θ̂,φ>/η); with β > 0 it puts more mass on large bonuses", () => {
    const main = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, theta), 0.1).policy;
    const flat = ucbBonusPolicy({ problem: inst.problem, theta, covariance, beta: 0 });
    for (let i = 0; i < main.probs.length; i++) expect(Math.abs(flat.probs[i] - main.probs[i])).toBeLessThan(1e-15);
    // E_π[bonus] rises with β: the optimism tilts towards uncertain actions (d/dβ E = Var_π(bonus)/η ≥ 0).
    const family = finiteGibbsFamily(inst.problem);
    const nu = family.moments(new Float64Array(d)).features;
    const { contexts: X, actions: A } = inst.problem;
    const diffs = new Float64Array(X * A * d);
    for (let i = 0; i < X * A; i++)
      for (let k = 0; k < d; k++)
        diffs[i * d + k] = inst.problem.features.values[i * d + k] - nu[Math.floor(i / A) * d + k];
    const bonus = covariance.norms(diffs, X * A);
    const meanBonus = (beta: number) => {
      const p = ucbBonusPolicy({ problem: inst.problem, theta, covariance, beta });
      return p.probs.reduce((s, q, i) => s + q * bonus[i], 0) / X;
    };
    expect(meanBonus(0.5)).toBeGreaterThan(meanBonus(0));
    expect(meanBonus(2)).toBeGreaterThan(meanBonus(0.5));
  });

  it("as online GSHF's rule it beats π0 on R, and on sequences it is refused (its bonus is not Markov)", () => {
    const r = runOnR("ucb-bonus", Math.sqrt(d));
    expect(r.subopt).toBeLessThan(r.suboptOfReference / 3);
    const seq = testbedS(0, { eta: 0.1 });
    const s = onlineGshf(seq.problem, seq.makeOracle(Rng.seeded(2)), Rng.seeded(3), {
      iterations: 2,
      batchSize: 10,
      beta: 1,
      exploration: "ucb-bonus",
    });
    expect(s).toBeLeft("InvalidArgument", { field: "exploration" });
  });
});

/** The closed form H(σ(<θ, z>))·√(zᵀH⁻¹z), H⁻¹z by a Cholesky solve (independent of entropy-width.ts). */
function entropyTimesWidth(z: Float64Array, theta: Float64Array, L: Float64Array): number {
  const d = z.length;
  const w = choleskySolve(L, d, z);
  let m = 0,
    q = 0;
  for (let k = 0; k < d; k++) {
    m += theta[k] * z[k];
    q += z[k] * w[k];
  }
  const p = sigmoid(m);
  return (-p * Math.log(p) - (1 - p) * Math.log(1 - p)) * Math.sqrt(q);
}

describe('the entropy × width rule (formerly "active learning")', () => {
  it("its score is H(σ(<θ̂, z>))·√(zᵀH⁻¹z) by the closed form, and each context's pair maximises it (brute force)", () => {
    const inst = testbedR(2, { eta: 0.1 });
    const { contexts: X, actions: A, dim: d, features } = inst.problem;
    const theta = Rng.seeded(7)
      .normals(new Float64Array(d))
      .map((v) => 0.3 * v);
    const Z = Rng.seeded(8).normals(new Float64Array(60 * d));
    const H = bradleyTerryHessian(Z, 60, d, theta, 1);
    const L = cholesky(H, d);
    const pairs = entropyWidthPairs(inst.problem, theta, H);
    // The closed form on one pair: H⁻¹ by solving H·w = z.
    const z = new Float64Array(d);
    const zOf = (x: number, a: number, b: number) => {
      for (let k = 0; k < d; k++) z[k] = features.values[(x * A + a) * d + k] - features.values[(x * A + b) * d + k];
      return z;
    };
    const exact = (x: number, a: number, b: number) => entropyTimesWidth(zOf(x, a, b), theta, L);
    expect(Math.abs(entropyWidthScore(zOf(0, 1, 2), theta, L) - exact(0, 1, 2))).toBeLessThan(1e-12);
    for (let x = 0; x < X; x += 7) {
      let best = -Infinity;
      for (let a = 0; a < A; a++) for (let b = a + 1; b < A; b++) best = Math.max(best, exact(x, a, b));
      expect(Math.abs(exact(x, pairs[2 * x], pairs[2 * x + 1]) - best)).toBeLessThan(1e-12);
      expect(pairs[2 * x]).not.toBe(pairs[2 * x + 1]);
    }
  });

  it("over a sampled candidate set (sequences) it picks the pair of largest score among the candidates (brute force)", () => {
    const d = 6,
      K = 9;
    const theta = Rng.seeded(9)
      .normals(new Float64Array(d))
      .map((v) => 0.5 * v);
    const H = bradleyTerryHessian(Rng.seeded(10).normals(new Float64Array(40 * d)), 40, d, theta, 1);
    const L = cholesky(H, d);
    const feats = Rng.seeded(11).normals(new Float64Array(K * d));
    const score = (i: number, j: number) =>
      entropyTimesWidth(
        new Float64Array(d).map((_, k) => feats[i * d + k] - feats[j * d + k]),
        theta,
        L,
      );
    let best = -Infinity;
    for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) best = Math.max(best, score(i, j));
    const [i, j] = bestEntropyWidthPair(feats, K, theta, L);
    expect(i).toBeLessThan(j);
    expect(Math.abs(score(i, j) - best)).toBeLessThan(1e-12);
  });

  it("as online GSHF's rule it spends T·m queries and beats π0, on R and on the sequence bandit S", () => {
    const r = runOnR("entropy-width");
    expect(r.queries).toBe(1000);
    expect(r.subopt).toBeLessThan(r.suboptOfReference);
    const seq = runOnS("entropy-width");
    expect(seq.queries).toBe(600);
    expect(seq.subopt).toBeLessThan(0.364); // SubOpt(π0) on S (README)
  });
});

describe("VPO: value-incentivised optimism", () => {
  const inst = testbedR(3, { eta: 0.1 });
  const { contexts: X, actions: A, dim: d, features, reference, eta } = inst.problem;
  const family = finiteGibbsFamily(inst.problem);
  const w = inst.problem.contextWeights;
  /** V(θ) = E_x[η log Σ_a π0(a|x)e^{<θ,φ>/η} − Σ_a π0(a|x)<θ,φ>] by direct enumeration. */
  const valueByEnumeration = (theta: Float64Array) => {
    const r = linearReward(features, theta);
    let v = 0;
    for (let x = 0; x < X; x++) {
      let z = 0,
        lin = 0;
      for (let a = 0; a < A; a++) {
        const p = reference.probs[x * A + a];
        z += p * Math.exp(r[x * A + a] / eta);
        lin += p * r[x * A + a];
      }
      v += w[x] * (eta * Math.log(z) - lin);
    }
    return v;
  };

  it("the calibrated value and its gradient match enumeration and central differences; V ≥ 0 = V(0)", () => {
    const theta = Rng.seeded(4)
      .normals(new Float64Array(d))
      .map((v) => 0.2 * v);
    const g = new Float64Array(d);
    const v = calibratedValue(family, theta, g);
    expect(Math.abs(v - valueByEnumeration(theta))).toBeLessThan(1e-12);
    expect(v).toBeGreaterThan(0);
    expect(Math.abs(calibratedValue(family, new Float64Array(d)))).toBeLessThan(1e-15);
    const h = 1e-5;
    for (let k = 0; k < d; k++) {
      const up = theta.slice(),
        down = theta.slice();
      up[k] += h;
      down[k] -= h;
      expect(Math.abs((valueByEnumeration(up) - valueByEnumeration(down)) / (2 * h) - g[k])).toBeLessThan(1e-7);
    }
  });

  it("the optimistic MLE is stationary, ∇ℓ_λ(θ̃) = α∇V(θ̃) (1e-8), raises V above the MLE's, and is the MLE at α = 0", () => {
    const n = 80;
    const Z = Rng.seeded(5)
      .normals(new Float64Array(n * d))
      .map((v) => 0.3 * v);
    const mle = fitBradleyTerryOrThrow(Z, n, d, { lambda: 1 });
    const alpha = Math.sqrt(d);
    const o = optimisticMle(family, Z, n, { alpha, lambda: 1, init: mle.theta, tolerance: 1e-11 });
    if (E.isLeft(o)) throw new Error(JSON.stringify(o.left));
    const gl = new Float64Array(d);
    bradleyTerryLoss(Z, n, d, o.right.theta, 1, gl);
    const gv = new Float64Array(d);
    calibratedValue(family, o.right.theta, gv);
    for (let k = 0; k < d; k++) expect(Math.abs(gl[k] - alpha * gv[k])).toBeLessThan(1e-8);
    expect(o.right.value).toBeGreaterThan(calibratedValue(family, mle.theta));
    const zero = optimisticMle(family, Z, n, { alpha: 0, lambda: 1 });
    if (E.isLeft(zero)) throw new Error(JSON.stringify(zero.left));
    for (let k = 0; k < d; k++) expect(Math.abs(zero.right.theta[k] - mle.theta[k])).toBeLessThan(1e-9);
  });

  it("as online GSHF's rule it spends T·m queries and beats π0, on R and on the sequence bandit S", () => {
    const r = runOnR("vpo", Math.sqrt(d));
    expect(r.queries).toBe(1000);
    expect(r.subopt).toBeLessThan(r.suboptOfReference / 3);
    const seq = runOnS("vpo", Math.sqrt(testbedS(1, { eta: 0.1 }).problem.dim));
    expect(seq.queries).toBe(600);
    expect(seq.subopt).toBeLessThan(0.364); // SubOpt(π0) on S (README)
  });
});
