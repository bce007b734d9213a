import { Rng, klEstimates, klEstimatorStudy, klTerms } from "../src";

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
