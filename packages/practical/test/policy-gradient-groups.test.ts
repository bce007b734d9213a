import { Rng } from "@gsh/core";
import { linearBandit } from "@gsh/testbeds";
import {
  type AdvantageRule,
  type KlConfig,
  finitePolicyModel,
  grpoRule,
  klValue,
  reinforcePlusPlusRule,
  sampledUpdate,
} from "../src/policy-gradient";

// GRPO with std normalisation and REINFORCE++ have no per-sample expectation: their update depends on the whole group
// (batch). On a small instance (one context, A = 4, one group of k = 3) the exact expectation is a sum over all Aᵏ
// groups; the sampled update's Monte-Carlo mean must agree with it within its 99% interval.

const world = linearBandit(2, { contexts: 1, actions: 4, dim: 3, normBound: 2, eta: 0.5, referenceTemperature: 1 });
const { problem } = world;
const reward = world.truth.reward;
const A = problem.actions;
const k = 3;

function groupExpectation(rule: AdvantageRule, kl: KlConfig): Float64Array {
  const m = finitePolicyModel(problem, "log-linear");
  m.params.set([0.3, -0.4, 0.2]);
  m.refresh();
  const lp = new Float64Array(1),
    lp0 = new Float64Array(1);
  const logp = new Float64Array(A),
    logp0 = new Float64Array(A);
  for (let a = 0; a < A; a++) {
    m.tokenLogProbs(0, a, lp, lp0);
    logp[a] = lp[0];
    logp0[a] = lp0[0];
  }
  const u = new Float64Array(m.size);
  const R = new Float64Array(k),
    adv = new Float64Array(k);
  for (let g = 0; g < A ** k; g++) {
    const tuple = [g % A, Math.floor(g / A) % A, Math.floor(g / A / A)];
    const prob = tuple.reduce((p, a) => p * Math.exp(logp[a]), 1);
    tuple.forEach((a, j) => (R[j] = reward[a] - kl.coefficient * klValue(kl.estimator, logp[a] - logp0[a])));
    rule.advantages(R, { groups: 1, perGroup: k }, adv);
    tuple.forEach((a, j) => m.addSequenceScore(0, a, (prob * adv[j]) / k, u));
  }
  return u;
}

describe.each([
  ["GRPO with std normalisation", () => grpoRule(true, "sequence")],
  ["REINFORCE++ (batch whitening)", () => reinforcePlusPlusRule],
])("%s", (_name, rule) => {
  it("the sampled update's mean agrees with the exact expectation over all groups (99% interval)", () => {
    const kl: KlConfig = { coefficient: 0.3, estimator: "k1", placement: "reward", granularity: "sequence" };
    const exact = groupExpectation(rule(), kl);
    const m = finitePolicyModel(problem, "log-linear");
    m.params.set([0.3, -0.4, 0.2]);
    m.refresh();
    const env = { drawPrompt: () => 0, reward: (_x: number, a: number) => reward[a] };
    const rng = Rng.seeded(21);
    const M = 4000;
    const dirs = [exact, Float64Array.from([1, -1, 0.5])];
    const acc = dirs.map(() => ({ s: 0, ss: 0 }));
    for (let b = 0; b < M; b++) {
      const u = sampledUpdate(m, env, { samplesPerPrompt: k, promptsPerStep: 1, kl, rule: rule() }, rng);
      dirs.forEach((d, j) => {
        const p = d.reduce((s, v, i) => s + v * u[i], 0);
        acc[j].s += p;
        acc[j].ss += p * p;
      });
    }
    dirs.forEach((d, j) => {
      const target = d.reduce((s, v, i) => s + v * exact[i], 0);
      const mean = acc[j].s / M;
      const sd = Math.sqrt((acc[j].ss / M - mean * mean) / (M - 1));
      expect(Math.abs(mean - target)).toBeLessThan(2.576 * sd);
    });
    // a non-trivial expectation (the comparison above is not between two zeros)
    expect(Math.hypot(...exact)).toBeGreaterThan(1e-4);
  });
});
