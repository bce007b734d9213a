import * as E from "fp-ts/lib/Either";
import { Rng, chiSquareTest, linearReward, validatePolicy } from "@gsh/core";
import {
  Covariance,
  contextMean,
  familyKl,
  finiteGibbsFamily,
  fitBradleyTerryOrThrow,
  winnerMinusLoser,
} from "@gsh/preference";
import { sampleOfflineData, testbedH, testbedR } from "@gsh/testbeds";
import {
  bestVsWorstRule,
  enhancer,
  finiteWorld,
  hybridGshf,
  onPolicyRule,
  onlineGshf,
  referenceRule,
  uniformRule,
} from "../src";
import { online, subopt } from "./helpers";

describe("the enhancer", () => {
  const inst = testbedR(0, { eta: 0.3 });
  const family = finiteGibbsFamily(inst.problem);
  const { data } = sampleOfflineData(inst, 200, 0);
  const Z = winnerMinusLoser(data, inst.problem.features);
  const cov = new Covariance(8, 1);
  cov.addRows(Z, data.size);
  const theta = fitBradleyTerryOrThrow(Z, data.size, 8).theta;
  const beta = Math.sqrt(8);
  const e = enhancer(family, theta, cov, beta, Rng.seeded(1), { randomDirections: 4 });

  const measure = (t: Float64Array) => {
    const main = family.moments(theta);
    const m = family.moments(t);
    const diff = contextMean(family, main.features, 8).map((v, k) => v - contextMean(family, m.features, 8)[k]);
    return { gamma: beta * cov.norm(diff), kl: contextMean(family, familyKl(family, t, m, theta, main))[0] };
  };

  it("returns a feasible tilt (η·KL(π²‖π¹) ≤ Γ) whose reported Γ and KL are exact", () => {
    const m = measure(e.theta);
    expect(e.gamma).toBeGreaterThan(0);
    expect(m.gamma).toBeCloseTo(e.gamma, 12);
    expect(m.kl).toBeCloseTo(e.klToMain, 12);
    expect(0.3 * m.kl).toBeLessThanOrEqual(m.gamma * (1 + 1e-9));
    e.theta.forEach((v, k) => expect(v).toBeCloseTo(theta[k] + e.c * 0.3 * e.direction[k], 12));
  });

  it("no feasible tilt along its winning direction, on a grid of c, has a larger Γ (bisection finds the largest feasible c)", () => {
    for (let i = 1; i <= 200; i++) {
      const c = (i / 200) * 100;
      const t = theta.map((v, k) => v + c * 0.3 * e.direction[k]);
      const m = measure(t);
      if (0.3 * m.kl <= m.gamma) expect(m.gamma).toBeLessThanOrEqual(e.gamma * (1 + 1e-3));
    }
  });

  it("is active in round 1 (Σ = λI, π¹ = π0)", () => {
    const r = online(testbedH(0), 0, { iterations: 2, batchSize: 10, beta });
    expect(r.trace[0].gamma!).toBeGreaterThan(0);
    expect(Array.from(r.trace[0].theta)).toEqual(new Array(8).fill(0));
  });
});

describe("exploration rules, each a named function", () => {
  const inst = testbedR(1, { eta: 1 });
  const family = finiteGibbsFamily(inst.problem);
  const theta = Rng.seeded(3).normals(new Float64Array(8));
  const main = family.policyOf(theta);
  const world = finiteWorld(inst.problem);
  const state = {
    world,
    theta,
    main: world.member(theta),
    covariance: new Covariance(8, 1),
    beta: 1,
    rng: Rng.seeded(4),
  };
  const rng = Rng.seeded(5);
  const x = 7;
  const row = (p: Float64Array) => Array.from(p.subarray(x * 32, (x + 1) * 32));
  const histogram = (draw: () => number) => {
    const c = new Array(32).fill(0);
    for (let i = 0; i < 20_000; i++) c[draw()]++;
    return c;
  };

  it("on-policy draws both actions from π¹; reference draws the second from π0; uniform draws uniformly (χ², p > 1e-3)", () => {
    const on = onPolicyRule(state);
    const ref = referenceRule(state);
    const uni = uniformRule(state);
    expect(
      chiSquareTest(
        histogram(() => on.sample(x, rng)[1]),
        row(main.probs),
      ).pValue,
    ).toBeGreaterThan(1e-3);
    expect(
      chiSquareTest(
        histogram(() => ref.sample(x, rng)[0]),
        row(main.probs),
      ).pValue,
    ).toBeGreaterThan(1e-3);
    expect(
      chiSquareTest(
        histogram(() => ref.sample(x, rng)[1]),
        row(inst.problem.reference.probs),
      ).pValue,
    ).toBeGreaterThan(1e-3);
    expect(
      chiSquareTest(
        histogram(() => uni.sample(x, rng)[0]),
        new Array(32).fill(1 / 32),
      ).pValue,
    ).toBeGreaterThan(1e-3);
  });

  it("best-vs-worst of n pairs the best and the worst of n samples under the current estimate", () => {
    const scores = linearReward(inst.problem.features, theta);
    const rule = bestVsWorstRule(8)(state);
    for (let i = 0; i < 200; i++) {
      const [a, b] = rule.sample(x, rng);
      expect(scores[x * 32 + a]).toBeGreaterThanOrEqual(scores[x * 32 + b]);
    }
    // the chosen action is the max of 8 draws: P(best = a) = F(a)^8 − F(a⁻)^8 in score order
    const order = Array.from({ length: 32 }, (_, a) => a).sort((i, j) => scores[x * 32 + i] - scores[x * 32 + j]);
    const p = row(main.probs);
    const probs = new Array(32).fill(0);
    let F = 0;
    for (const a of order) {
      const next = F + p[a];
      probs[a] = next ** 8 - F ** 8;
      F = next;
    }
    expect(
      chiSquareTest(
        histogram(() => rule.sample(x, rng)[0]),
        probs,
      ).pValue,
    ).toBeGreaterThan(1e-3);
    expect(() => bestVsWorstRule(1)).toThrow(/n ≥ 2/);
  });
});

describe("online and hybrid GSHF bookkeeping", () => {
  const inst = testbedR(2, { eta: 0.3 });

  it("spends exactly T·m queries, traces every iteration, is reproducible, and returns valid policies with SubOpt ≥ 0", () => {
    const opts = { iterations: 4, batchSize: 25, beta: 2 };
    const a = online(inst, 9, opts);
    const b = online(inst, 9, opts);
    expect(a.queries).toBe(100);
    expect(a.data.size).toBe(100);
    expect(a.trace.map((t) => t.queries)).toEqual([25, 50, 75, 100]);
    expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
    expect(E.isRight(validatePolicy(a.policy))).toBe(true);
    expect(subopt(inst, a.policy)).toBeGreaterThanOrEqual(0);
    // default output: the Gibbs policy of the MLE on all T·m queries
    const fit = fitBradleyTerryOrThrow(winnerMinusLoser(a.data, inst.problem.features), 100, 8);
    a.theta.forEach((v, k) => expect(v).toBeCloseTo(fit.theta[k], 8));
  });

  it("the min-uncertainty output returns one of the main agents of the trace", () => {
    const r = online(inst, 1, {
      iterations: 3,
      batchSize: 20,
      beta: 2,
      exploration: "uniform",
      output: "min-uncertainty",
    });
    expect(r.trace.some((t) => t.theta.every((v, k) => v === r.theta[k]))).toBe(true);
  });

  it("hybrid GSHF keeps the offline data in every iteration (round 1's main agent is the offline MLE)", () => {
    const { data } = sampleOfflineData(inst, 300, 2);
    const r = hybridGshf(inst.problem, data, inst.makeOracle(Rng.seeded(0)), Rng.seeded(0), {
      iterations: 2,
      batchSize: 50,
      beta: 2,
    });
    expect(r).toBeRight();
    if (E.isLeft(r)) return;
    const offline = fitBradleyTerryOrThrow(winnerMinusLoser(data, inst.problem.features), 300, 8);
    r.right.trace[0].theta.forEach((v, k) => expect(v).toBeCloseTo(offline.theta[k], 8));
    expect(r.right.queries).toBe(100);
    expect(r.right.data.size).toBe(100);
  });

  it("invalid options are typed errors naming the field", () => {
    const r = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(0)), Rng.seeded(0), {
      iterations: 0,
      batchSize: 10,
      beta: 1,
    });
    expect(r).toBeLeft("InvalidArgument", { field: "iterations" });
    const s = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(0)), Rng.seeded(0), {
      iterations: 1,
      batchSize: 10,
      beta: -1,
    });
    expect(s).toBeLeft("InvalidArgument", { field: "beta" });
  });
});
