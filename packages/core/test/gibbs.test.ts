import * as E from "fp-ts/lib/Either";
import {
  GshException,
  Rng,
  entropy,
  expectedFeatures,
  expectedReward,
  gibbsPolicy,
  kl,
  klToReference,
  linearReward,
  makePolicy,
  meanExpectedFeatures,
  objective,
  optimalObjective,
  softmax,
  suboptimality,
  totalVariation,
  uniformPolicy,
  validatePolicy,
  type FeatureMap,
  type Policy,
} from "../src";

function randomPolicy(rng: Rng, X: number, A: number, temperature = 1, zeros = 0): Policy {
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    const g = Array.from({ length: A }, (_, a) => (a < zeros ? -Infinity : rng.normal() / temperature));
    probs.set(softmax(g), x * A);
  }
  return { contexts: X, actions: A, probs };
}

function randomWeights(rng: Rng, X: number): Float64Array {
  const w = Float64Array.from({ length: X }, () => rng.uniform() + 0.1);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

describe("Gibbs policy and exact objectives", () => {
  const rng = Rng.seeded(0).split("gibbs");

  it("J(π*) = η·E log Z and J(π*) − J(π) = η·E KL(π‖π*) to 1e-10 on random instances", () => {
    for (let trial = 0; trial < 20; trial++) {
      const X = 1 + rng.int(6);
      const A = 4 + rng.int(28);
      const eta = Math.exp(rng.normal());
      const pi0 = randomPolicy(rng, X, A, 0.5, trial % 3);
      const reward = rng.normals(new Float64Array(X * A));
      const w = randomWeights(rng, X);
      const { policy: star, logZ } = gibbsPolicy(pi0, reward, eta);
      const jStar = objective(star, pi0, reward, eta, w);
      let elogZ = 0;
      for (let x = 0; x < X; x++) elogZ += w[x] * logZ[x];
      expect(Math.abs(jStar - eta * elogZ)).toBeLessThan(1e-10);
      expect(Math.abs(optimalObjective(pi0, reward, eta, w) - jStar)).toBeLessThan(1e-10);
      // any π supported on supp(π0)
      const pi = randomPolicy(rng, X, A, 1, trial % 3);
      const gap = jStar - objective(pi, pi0, reward, eta, w);
      expect(Math.abs(gap - eta * kl(pi, star, w))).toBeLessThan(1e-10);
      expect(Math.abs(gap - suboptimality(pi, pi0, reward, eta, w))).toBeLessThan(1e-10);
      expect(suboptimality(star, pi0, reward, eta, w)).toBeLessThan(1e-12);
      expect(gap).toBeGreaterThan(0);
    }
  });

  it("the Gibbs policy maximizes J: random perturbations never do better", () => {
    const pi0 = randomPolicy(rng, 2, 5);
    const reward = rng.normals(new Float64Array(10));
    const { policy: star } = gibbsPolicy(pi0, reward, 0.3);
    const jStar = objective(star, pi0, reward, 0.3);
    for (let i = 0; i < 50; i++) {
      const logits = Array.from(star.probs, (p) => Math.log(p) + 0.1 * rng.normal());
      const probs = new Float64Array(10);
      probs.set(softmax(logits.slice(0, 5)), 0);
      probs.set(softmax(logits.slice(5)), 5);
      expect(objective({ contexts: 2, actions: 5, probs }, pi0, reward, 0.3)).toBeLessThanOrEqual(jStar + 1e-15);
    }
  });

  it("stays exact at η = 1e-6 (argmax) and η = 1e6 (π0), and with zeros in π0", () => {
    const pi0: Policy = { contexts: 1, actions: 4, probs: Float64Array.from([0, 0.5, 0.3, 0.2]) };
    const reward = Float64Array.from([100, 1, 2, 1.5]);
    const cold = gibbsPolicy(pi0, reward, 1e-6).policy.probs;
    expect(Array.from(cold)).toEqual([0, 0, 1, 0]); // action 0 is outside supp(π0): probability 0 whatever its reward
    const hot = gibbsPolicy(pi0, reward, 1e6).policy.probs;
    for (let a = 0; a < 4; a++) expect(hot[a]).toBeCloseTo(pi0.probs[a], 5);
    expect(E.isRight(validatePolicy(gibbsPolicy(pi0, reward, 1e-6).policy))).toBe(true);
    // η → 0: J(π*) → max reward on the support; SubOpt(π0) = η·KL(π0‖π*) stays finite and non-negative
    expect(optimalObjective(pi0, reward, 1e-6)).toBeCloseTo(2 + 1e-6 * Math.log(0.3), 10);
    const sub = suboptimality(pi0, pi0, reward, 1e-6);
    expect(Number.isFinite(sub) && sub > 0).toBe(true);
    // SubOpt(π0) = η log Z − E_π0 r = (2 + η log 0.3 + O(e^{−1/(2η)})) − 1.4
    expect(sub).toBeCloseTo(0.6 + 1e-6 * Math.log(0.3), 12);
  });

  it("KL is +∞ exactly when π leaves supp(π0); J is then −∞", () => {
    const pi0: Policy = { contexts: 1, actions: 2, probs: Float64Array.from([1, 0]) };
    const pi: Policy = { contexts: 1, actions: 2, probs: Float64Array.from([0.5, 0.5]) };
    expect(klToReference(pi, pi0)).toBe(Infinity);
    expect(objective(pi, pi0, Float64Array.from([0, 0]), 1)).toBe(-Infinity);
    expect(klToReference(pi0, pi)).toBeCloseTo(Math.LN2, 15);
  });

  it("refuses η ≤ 0 with a typed error", () => {
    const pi0 = uniformPolicy(1, 2);
    expect(() => gibbsPolicy(pi0, new Float64Array(2), 0)).toThrow(GshException);
    expect(() => gibbsPolicy(pi0, new Float64Array(2), -1)).toThrow(/invalid eta/);
  });

  it("TV, entropy and expected features match hand computations", () => {
    const p: Policy = { contexts: 1, actions: 2, probs: Float64Array.from([0.25, 0.75]) };
    const u = uniformPolicy(1, 2);
    expect(totalVariation(p, u)).toBeCloseTo(0.25, 15);
    expect(entropy(u)).toBeCloseTo(Math.LN2, 15);
    const f: FeatureMap = { contexts: 1, actions: 2, dim: 2, values: Float64Array.from([1, 0, 0, 2]) };
    expect(Array.from(expectedFeatures(p, f))).toEqual([0.25, 1.5]);
    expect(Array.from(meanExpectedFeatures(p, f))).toEqual([0.25, 1.5]);
    expect(Array.from(linearReward(f, Float64Array.from([2, 1])))).toEqual([2, 2]);
    // E_x r(x, π) = <θ, E_x φ(x, π)>
    expect(expectedReward(p, linearReward(f, Float64Array.from([2, 1])))).toBeCloseTo(2 * 0.25 + 1.5, 15);
  });

  it("validation names the context and the problem", () => {
    const bad = makePolicy(2, 2, Float64Array.from([0.5, 0.5, 0.7, 0.2]));
    expect(bad).toBeLeft("InvalidPolicy", { context: 1 });
    const neg = makePolicy(1, 2, Float64Array.from([1.5, -0.5]));
    expect(neg).toBeLeft("InvalidPolicy", { message: expect.stringMatching(/-0.5/) });
    const shape = makePolicy(1, 3, Float64Array.from([1]));
    expect(shape).toBeLeft("InvalidArgument", { field: "probs" });
    expect(E.isRight(makePolicy(1, 2, Float64Array.from([0.5, 0.5 + 5e-10])))).toBe(true);
  });
});

describe("gibbsPolicy at its boundaries", () => {
  const pi0 = { contexts: 1, actions: 3, probs: Float64Array.from([0.2, 0.3, 0.5]) };
  it("any finite reward gives a valid policy (1e308 with η = 0.1: all mass on the largest reward)", () => {
    const { policy, logZ } = gibbsPolicy(pi0, Float64Array.from([1e308, -1e308, 0]), 0.1);
    expect(Array.from(policy.probs)).toEqual([1, 0, 0]);
    expect(logZ[0]).toBe(Infinity); // the true log Z is 1e309 + log 0.2: +∞ in f64
    const tie = gibbsPolicy(pi0, Float64Array.from([1e308, 1e308, -5]), 0.1).policy.probs;
    expect(tie[0]).toBeCloseTo(0.4, 12);
    expect(tie[1]).toBeCloseTo(0.6, 12);
  });
  it.each([
    [Float64Array.from([NaN, 0, 0]), "reward", /r\(0, 0\) = NaN/],
    [Float64Array.from([0, Infinity, 0]), "reward", /Infinity is not a finite number/],
    [Float64Array.from([0, 0]), "reward", /has 2 entries/],
  ])("refuses %p with a typed error naming '%s'", (reward, field, message) => {
    try {
      gibbsPolicy(pi0, reward, 0.1);
      throw new Error("accepted");
    } catch (e) {
      expect((e as GshException).error).toMatchObject({ _tag: "InvalidArgument", field });
      expect((e as Error).message).toMatch(message);
    }
  });
  it("refuses η = 0 and a π0 with a NaN entry, typed", () => {
    expect(() => gibbsPolicy(pi0, new Float64Array(3), 0)).toThrow(GshException);
    const bad = { ...pi0, probs: Float64Array.from([NaN, 0.5, 0.5]) };
    expect(() => gibbsPolicy(bad, new Float64Array(3), 1)).toThrow(/π0\(0\|0\) = NaN/);
  });
});
