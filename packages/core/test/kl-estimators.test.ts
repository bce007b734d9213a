import {
  KL_ESTIMATORS,
  Rng,
  exactKlStudy,
  finiteKlMoments,
  klEstimates,
  klEstimatorStudy,
  klMomentsFromExpectations,
  klTerms,
} from "../src";

// π and π0 on five actions, far enough apart that the three estimators differ visibly.
const pi = [0.5, 0.25, 0.15, 0.07, 0.03];
const pi0 = [0.1, 0.2, 0.3, 0.2, 0.2];
const ell = pi.map((p, a) => Math.log(p / pi0[a]));
const kl = pi.reduce((s, p, a) => s + p * ell[a], 0);
const expect2 = (f: (l: number) => number) => pi.reduce((s, p, a) => s + p * f(ell[a]), 0);

describe("KL estimators k1, k2, k3 of KL(π‖π0)", () => {
  it("k1 and k3 are unbiased and k2 has mean ½E_π[ℓ²], by exact expectation over the actions (1e-15)", () => {
    expect(Math.abs(expect2((l) => klTerms(l).k1) - kl)).toBeLessThan(1e-15);
    expect(Math.abs(expect2((l) => klTerms(l).k3) - kl)).toBeLessThan(1e-15);
    expect(Math.abs(expect2((l) => klTerms(l).k2) - 0.5 * expect2((l) => l * l))).toBeLessThan(1e-15);
    // k3's term is never negative (e^{−ℓ} ≥ 1 − ℓ), k1's is on actions π0 favours.
    for (const l of [-30, -1, -1e-9, 0, 1e-9, 2, 30]) expect(klTerms(l).k3).toBeGreaterThanOrEqual(0);
    // Tiny ℓ: e^{−ℓ} − 1 + ℓ = ℓ²/2 − ℓ³/6 + …, to 1e-12 relative (a plain expm1(−ℓ) + ℓ is off by 1e-7 here).
    for (const l of [1e-9, -3e-6]) expect(Math.abs(klTerms(l).k3 / (l * l * (0.5 - l / 6)) - 1)).toBeLessThan(1e-12);
    // Either side of the switch at 0.01, the series and expm1 (accurate to ~2ε/ℓ there) agree.
    for (const l of [0.0099, -0.0099]) expect(Math.abs(klTerms(l).k3 / (Math.expm1(-l) + l) - 1)).toBeLessThan(1e-12);
    expect(klEstimates([0.5, -0.5, 1], 1, 2)).toEqual({
      k1: 0.25,
      k2: 0.3125,
      k3: (Math.expm1(0.5) - 0.5 + Math.expm1(-1) + 1) / 2,
    });
  });

  it("the study's bias and sd match their closed forms at n = 1, 16, 256 (4000 repeats; 4.5 standard errors, sd within 8%)", () => {
    const rng = Rng.seeded(3);
    const draw = (n: number) => Float64Array.from({ length: n }, () => ell[rng.categorical(pi)]);
    const study = klEstimatorStudy(draw, kl, [1, 16, 256], 4000);
    const mean = { k1: kl, k2: 0.5 * expect2((l) => l * l), k3: kl };
    const varTerm = {
      k1: expect2((l) => l * l) - kl * kl,
      k2: expect2((l) => 0.25 * l ** 4) - mean.k2 ** 2,
      k3: expect2((l) => (Math.expm1(-l) + l) ** 2) - kl * kl,
    };
    for (const p of study.points)
      for (const k of ["k1", "k2", "k3"] as const) {
        const sd = Math.sqrt(varTerm[k] / p.n);
        expect(Math.abs(p.bias[k] - (mean[k] - kl))).toBeLessThan((4.5 * sd) / Math.sqrt(4000));
        expect(Math.abs(p.sd[k] / sd - 1)).toBeLessThan(0.08);
      }
    // Here k2 is biased upwards and k3 has the smallest spread of the unbiased two.
    expect(mean.k2 - kl).toBeGreaterThan(0.05);
    expect(varTerm.k3).toBeLessThan(varTerm.k1);
  });
});

describe("exact moments of k1, k2, k3 (finite tables)", () => {
  // Two contexts (weights 0.3, 0.7) of five actions: a light-tailed π (π0/π ≤ 2.5) next to π0.
  const piT = { contexts: 2, actions: 5, probs: Float64Array.from([...pi, 0.22, 0.18, 0.2, 0.2, 0.2]) };
  const pi0T = { contexts: 2, actions: 5, probs: Float64Array.from([...pi0, 0.2, 0.2, 0.2, 0.2, 0.2]) };
  const weights = Float64Array.from([0.3, 0.7]);
  const m = finiteKlMoments(piT, pi0T, weights);
  const cells = Array.from({ length: 10 }, (_, i) => ({
    p: weights[Math.floor(i / 5)] * piT.probs[i],
    l: Math.log(piT.probs[i] / pi0T.probs[i]),
  }));
  const E = (f: (l: number) => number) => cells.reduce((s, c) => s + c.p * f(c.l), 0);

  it("the expansion of E k3² from ℓ's expectations equals the direct sums (1e-13), and the tail is the largest π0/π", () => {
    const e = {
      l1: E((l) => l),
      l2: E((l) => l * l),
      l4: E((l) => l ** 4),
      expNeg: E((l) => Math.exp(-l)),
      expNeg2: E((l) => Math.exp(-2 * l)),
      lExpNeg: E((l) => l * Math.exp(-l)),
    };
    const viaExpectations = klMomentsFromExpectations(e);
    for (const k of KL_ESTIMATORS) {
      expect(Math.abs(viaExpectations.mean[k] - m.mean[k])).toBeLessThan(1e-13);
      expect(Math.abs(viaExpectations.variance[k] - m.variance[k])).toBeLessThan(1e-13);
    }
    expect(m.tail.ratio).toBeCloseTo(0.2 / 0.03, 12);
    expect(m.tail.probability).toBeCloseTo(0.3 * 0.03, 15);
  });

  it("the closed-form mean and variance agree with 10⁶ Monte-Carlo draws, within their 99% intervals", () => {
    const rng = Rng.seeded(21);
    const N = 1_000_000;
    const sum = { k1: 0, k2: 0, k3: 0 },
      dev2 = { k1: 0, k2: 0, k3: 0 };
    for (let i = 0; i < N; i++) {
      const x = rng.categorical(weights);
      const a = rng.categorical(piT.probs, x * 5, 5);
      const t = klTerms(Math.log(piT.probs[x * 5 + a] / pi0T.probs[x * 5 + a]));
      for (const k of KL_ESTIMATORS) {
        sum[k] += t[k];
        dev2[k] += (t[k] - m.mean[k]) ** 2;
      }
    }
    for (const k of KL_ESTIMATORS) {
      // the sample mean of the term, and of its squared deviation from the exact mean (whose mean is the variance)
      const term = (l: number) => klTerms(l)[k];
      const varOfDev2 = E((l) => (term(l) - m.mean[k]) ** 4) - m.variance[k] ** 2;
      expect(Math.abs(sum[k] / N - m.mean[k])).toBeLessThan(2.576 * Math.sqrt(m.variance[k] / N));
      expect(Math.abs(dev2[k] / N - m.variance[k])).toBeLessThan(2.576 * Math.sqrt(varOfDev2 / N));
    }
  });

  it("the exact study's points: bias = mean − KL at every n, sd = √(variance/n)", () => {
    const s = exactKlStudy(m, m.mean.k1, [1, 4]);
    expect(s.repeats).toBe(0);
    expect(s.points[1].sd.k3).toBeCloseTo(Math.sqrt(m.variance.k3 / 4), 15);
    expect(s.points[0].bias.k1).toBe(0);
    expect(s.points[0].bias.k2).toBeCloseTo(m.mean.k2 - m.mean.k1, 15);
  });
});
