import * as E from "fp-ts/lib/Either";
import { AliasTable, Rng, chiSquareTest, gibbsPolicy, type Policy } from "@gsh/core";
import { linearBandit } from "@gsh/testbeds";
import {
  RewardModel,
  annealedLogWeights,
  bestOfN,
  consecutivePairs,
  defaultSchedule,
  fittedLogWeights,
  multiStepRejectionSampling,
  rejectionSampleWithLogAcceptance,
  statisticalRejectionSample,
} from "../src";

// One context, 6 actions: small enough to compare samples with exact probabilities.
const pi0 = Float64Array.from([0.3, 0.25, 0.2, 0.15, 0.07, 0.03]);
const r = Float64Array.from([0.1, -0.4, 0.9, 0.3, 1.6, 2.2]);
const exactGibbs = (eta: number) => {
  const w = Array.from(pi0, (p, a) => p * Math.exp(r[a] / eta));
  const s = w.reduce((x, y) => x + y, 0);
  return w.map((v) => v / s);
};
const table = new AliasTable(pi0);

/** First accepted sample of RSO with N candidates, repeated `reps` times. */
function rsoHistogram(N: number, eta: number, reps: number, rng: Rng): number[] {
  const c = new Array(6).fill(0);
  for (let i = 0; i < reps; i++) {
    const cands = Array.from({ length: N }, () => table.sample(rng));
    const acc = statisticalRejectionSample(
      cands.map((a) => r[a]),
      1,
      eta,
      rng,
    );
    c[cands[acc[0]]]++;
  }
  return c;
}

const tv = (counts: number[], p: number[]) => {
  const n = counts.reduce((a, b) => a + b, 0);
  return 0.5 * counts.reduce((s, c, i) => s + Math.abs(c / n - p[i]), 0);
};

describe("RSO's statistical rejection sampler", () => {
  it("with N = 512 candidates its accepted samples follow π0·e^{r/η} (χ², 20 000 draws, p > 1e-3)", () => {
    const counts = rsoHistogram(512, 0.5, 20_000, Rng.seeded(1));
    expect(chiSquareTest(counts, exactGibbs(0.5)).pValue).toBeGreaterThan(1e-3);
  });

  it("is not exact at small N (r_max is the largest *seen* reward): its distance to π_r shrinks as N grows", () => {
    const p = exactGibbs(0.2);
    const small = tv(rsoHistogram(4, 0.2, 20_000, Rng.seeded(2)), p);
    const large = tv(rsoHistogram(256, 0.2, 20_000, Rng.seeded(3)), p);
    expect(small).toBeGreaterThan(0.05);
    expect(large).toBeLessThan(0.02);
    expect(chiSquareTest(rsoHistogram(4, 0.2, 20_000, Rng.seeded(4)), p).pValue).toBeLessThan(1e-6);
  });

  it("returns π0 samples as η → ∞ and best-of-N as η → 0; k accepted and consecutive pairs", () => {
    const rng = Rng.seeded(5);
    const hot = new Array(6).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const cands = Array.from({ length: 8 }, () => table.sample(rng));
      hot[
        cands[
          statisticalRejectionSample(
            cands.map((a) => r[a]),
            1,
            1e9,
            rng,
          )[0]
        ]
      ]++;
    }
    expect(chiSquareTest(hot, Array.from(pi0)).pValue).toBeGreaterThan(1e-3);
    const rewards = [0.3, 2, -1, 2.5, 0.1];
    expect(statisticalRejectionSample(rewards, 1, 1e-9, rng)).toEqual([3]);
    expect(bestOfN(rewards, rng)).toBe(3);
    expect(statisticalRejectionSample(rewards, 3, 1, rng)).toHaveLength(3);
    expect(consecutivePairs([1, 2, 3, 4, 5])).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe("multi-step rejection sampling", () => {
  it("with exact intermediate proposals (N = 128), step i's samples follow π0·e^{r/η_i} (χ² per step, 12 000 draws, p > 1e-3)", () => {
    const eta = 0.2;
    const schedule = defaultSchedule(eta); // 10η, √10·η, η
    const rng = Rng.seeded(6);
    let proposal = Array.from(pi0);
    let previous = Infinity;
    for (const etaI of schedule) {
      const t = new AliasTable(proposal);
      const c = new Array(6).fill(0);
      for (let i = 0; i < 12_000; i++) {
        const cands = Array.from({ length: 128 }, () => t.sample(rng));
        const acc = rejectionSampleWithLogAcceptance(
          annealedLogWeights(
            cands.map((a) => r[a]),
            etaI,
            previous,
          ),
          1,
          rng,
        );
        c[cands[acc[0]]]++;
      }
      expect(chiSquareTest(c, exactGibbs(etaI)).pValue).toBeGreaterThan(1e-3);
      proposal = exactGibbs(etaI);
      previous = etaI;
    }
  });

  it("the fitted-proposal acceptance reduces to the exact rule when the fit is exact (identical normalized weights)", () => {
    const etaPrev = 1,
      etaI = 0.3;
    const fit = exactGibbs(etaPrev);
    const cands = [0, 2, 4, 5, 1, 4];
    const rr = cands.map((a) => r[a]);
    const fitted = fittedLogWeights(
      rr,
      cands.map((a) => Math.log(pi0[a])),
      cands.map((a) => Math.log(fit[a])),
      etaI,
    );
    const exact = annealedLogWeights(rr, etaI, etaPrev);
    const norm = (w: Float64Array) => Array.from(w, (v) => Math.exp(v - Math.max(...w)));
    norm(fitted).forEach((v, i) => expect(v).toBeCloseTo(norm(exact)[i], 12));
  });

  it("runs end to end on a bandit with fitted proposals; each step's fitted policy moves toward its target", () => {
    const inst = linearBandit(0, { contexts: 4, actions: 6, dim: 3, normBound: 2, eta: 0.3, referenceTemperature: 1 });
    const rm = new RewardModel(inst.problem, inst.truth.theta!);
    const res = multiStepRejectionSampling(inst.problem, rm, Rng.seeded(7), {
      syntheticPairs: 256, // 64 prompts of k = 8
      candidates: 64,
      accepted: 8,
    });
    expect(res).toBeRight();
    if (E.isLeft(res)) return;
    expect(res.right.steps.map((s) => s.eta)).toEqual(defaultSchedule(0.3));
    expect(res.right.costs.candidatesSampled).toBe(3 * 64 * 64);
    expect(res.right.costs.rewardModelCalls).toBe(3 * 64 * 64);
    const kl = (p: Policy, q: Policy) => {
      let s = 0;
      for (let i = 0; i < p.probs.length; i++) if (p.probs[i] > 0) s += p.probs[i] * Math.log(p.probs[i] / q.probs[i]);
      return s / 4;
    };
    const last = res.right.steps[2];
    const target = gibbsPolicy(inst.problem.reference, rm.table, last.eta).policy;
    expect(kl(target, last.fitted)).toBeLessThan(kl(target, inst.problem.reference));
  });
});
