import * as E from "fp-ts/lib/Either";
import { Rng, gibbsPolicy, linearReward } from "@gsh/core";
import { fitBradleyTerryOrThrow, winnerMinusLoser } from "@gsh/preference";
import { linearBandit, sampleOfflineData, testbedR, evaluatePolicy } from "@gsh/testbeds";
import {
  DPO,
  LogLinearPolicy,
  createTrainablePolicy,
  PairBatch,
  TabularPolicy,
  offlineDpo,
  dpo,
  banditLearner,
  pairLoss,
  trainPolicy,
  trainPolicyOrThrow,
  validateLoss,
  type LossSpec,
} from "../src";

describe("pair losses", () => {
  it("match their closed forms and their derivatives (central differences)", () => {
    const eta = 0.5;
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const cases: [LossSpec, (h: number, g: number) => number][] = [
      [[{ loss: { kind: "dpo" }, weight: 1 }], (h) => -Math.log(sig(eta * h))],
      [
        [{ loss: { kind: "cdpo", epsilon: 0.1 }, weight: 1 }],
        (h) => -0.9 * Math.log(sig(eta * h)) - 0.1 * Math.log(sig(-eta * h)),
      ],
      [[{ loss: { kind: "ipo" }, weight: 1 }], (h) => (h - 1 / (2 * eta)) ** 2],
      [[{ loss: { kind: "hinge-norm", gamma: 0.05 }, weight: 1 }], (h) => Math.max(0, 1 - 0.05 * h)],
      [[{ loss: { kind: "hinge", gamma: 0.05 }, weight: 1 }], (_h, g) => Math.max(0, 1 - 0.05 * g)],
      [[{ loss: { kind: "sigmoid-norm", gamma: 0.05 }, weight: 1 }], (h) => -Math.log(sig(0.05 * h))],
      [
        [
          { loss: { kind: "dpo" }, weight: 0.3 },
          { loss: { kind: "ipo" }, weight: 2 },
        ],
        (h) => -0.3 * Math.log(sig(eta * h)) + 2 * (h - 1) ** 2,
      ],
    ];
    for (const [spec, f] of cases) {
      for (const [h, g] of [
        [0.7, -1.3],
        [-2, 3],
        [25, 30],
      ]) {
        const v = pairLoss(spec, eta, h, g);
        expect(v.value).toBeCloseTo(f(h, g), 10);
        const e = 1e-6;
        expect(v.dh).toBeCloseTo((f(h + e, g) - f(h - e, g)) / (2 * e), 5);
        expect(v.dg).toBeCloseTo((f(h, g + e) - f(h, g - e)) / (2 * e), 5);
      }
    }
    // the pessimistic-DPO margin enters inside the sigmoid
    expect(pairLoss(DPO, eta, 0.7, 0, 0.4).value).toBeCloseTo(-Math.log(sig(eta * 0.7 + 0.4)), 12);
  });

  it("refuse η ≤ 0 and bad hyper-parameters; flag pairs with chosen = rejected", () => {
    for (const eta of [0, -1, NaN]) {
      const r = validateLoss(DPO, eta);
      expect(r).toBeLeft("InvalidArgument", { field: "eta" });
    }
    expect(validateLoss([{ loss: { kind: "cdpo", epsilon: 0.6 }, weight: 1 }], 1)).toBeLeft("InvalidArgument");
    const p = new PairBatch();
    expect(p.addPair(0, 3, 3)).toBe(false);
    expect(p.addPair(0, 3, 4)).toBe(true);
    expect([p.size, p.degenerate]).toEqual([1, 1]);
    const inst = testbedR(0);
    const t = trainPolicy(new LogLinearPolicy(inst.problem), p, { loss: DPO, eta: 0 });
    expect(t).toBeLeft("InvalidArgument", { field: "eta" });
  });
});

describe("DPO on the log-linear policy is the BT MLE (the paper's idealization)", () => {
  it("run to convergence with the MLE's ridge, it lands on θ̂ to 1e-4 and its policy equals the MLE-Gibbs policy (offline GSHF, β = 0)", () => {
    const inst = testbedR(3, { eta: 0.3 });
    const { data } = sampleOfflineData(inst, 800, 3);
    const r = offlineDpo(inst.problem, data, { loss: DPO, l2: 1, policyClass: "log-linear" });
    expect(r).toBeRight();
    if (E.isLeft(r)) return;
    expect(r.right.train.converged).toBe(true);
    expect(r.right.train.gradientNorm).toBeLessThan(1e-8);
    const mle = fitBradleyTerryOrThrow(winnerMinusLoser(data, inst.problem.features), data.size, 8, { lambda: 1 });
    const w = r.right.policy.getParameters();
    mle.theta.forEach((v, k) => expect(Math.abs(w[k] - v)).toBeLessThan(1e-4));
    const mleGibbs = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, mle.theta), 0.3).policy;
    const pol = r.right.policy.distribution();
    let maxDiff = 0;
    for (let i = 0; i < pol.probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pol.probs[i] - mleGibbs.probs[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // the familiar metrics are logged, with the exact KL beside them
    expect(r.right.train.metrics["rewards/accuracies"]).toBeGreaterThan(0.5);
    expect(r.right.train.metrics["objective/kl"]).toBeGreaterThan(0);
  });

  it("the one `dpo` on a bandit learner lands on θ̂ too (1e-4), its row diagnostics are the training metrics and refused pairs", () => {
    const inst = testbedR(4, { eta: 0.3 });
    const { data } = sampleOfflineData(inst, 800, 4);
    const learner = banditLearner(inst.problem, { loss: DPO, l2: 1 });
    const r = dpo(learner, data);
    if (E.isLeft(r)) throw new Error(r.left._tag);
    const mle = fitBradleyTerryOrThrow(winnerMinusLoser(data, inst.problem.features), data.size, 8, { lambda: 1 });
    const w = learner.rewardParameters!()!;
    mle.theta.forEach((v, k) => expect(Math.abs(w[k] - v)).toBeLessThan(1e-4));
    expect(r.right.policy).toBe(learner.model.distribution());
    expect(r.right.train.diagnostics.degeneratePairs).toBe(r.right.pairs.degenerate);
    expect(r.right.pairs.size + r.right.pairs.degenerate).toBe(data.size);
    expect(r.right.train.diagnostics["rewards/accuracies"]).toBeGreaterThan(0.5);
  });

  it("the tabular policy starts exactly at π0, and the log-linear one contains π* (w = θ*)", () => {
    const inst = testbedR(1);
    const tab = new TabularPolicy(inst.problem);
    expect(Array.from(tab.distribution().probs)).toEqual(
      Array.from(inst.problem.reference.probs).map((p) => expect.closeTo(p, 14)),
    );
    const ll = new LogLinearPolicy(inst.problem, inst.truth.theta!);
    const m = evaluatePolicy(inst, ll.distribution());
    expect(E.isRight(m) && m.right.subopt < 1e-12).toBe(true);
  });
});

describe("deterministic preferences: DPO over-commits, IPO does not", () => {
  // Two actions, one context, a¹ always preferred (deterministic preference model); tabular policy.
  const world = (eta: number) =>
    linearBandit(0, {
      contexts: 1,
      actions: 2,
      dim: 1,
      normBound: 1,
      eta,
      referenceTemperature: 1,
      preference: { kind: "deterministic" },
    });
  const train = (eta: number, loss: LossSpec, steps: number) => {
    const inst = world(eta);
    const better = inst.truth.reward[0] > inst.truth.reward[1] ? 0 : 1;
    const oracle = inst.makeOracle(Rng.seeded(0));
    const pairs = new PairBatch();
    for (let i = 0; i < 200; i++) pairs.addLabelled(0, 0, 1, oracle.query(0, 0, 1));
    const pol = new TabularPolicy(inst.problem);
    trainPolicyOrThrow(pol, pairs, { loss, l2: 0, maxSteps: steps, optimizer: "adam", learningRate: 0.1 });
    return { worse: pol.distribution().probs[1 - better], reference: inst.problem.reference.probs[1 - better] };
  };

  it("DPO drives the dispreferred action toward 0 (whatever η) while IPO keeps it bounded away from 0, at a level set by η", () => {
    for (const eta of [0.1, 1]) {
      expect(train(eta, DPO, 3000).worse).toBeLessThan(1e-3);
    }
    const ipo: LossSpec = [{ loss: { kind: "ipo" }, weight: 1 }];
    const a = train(0.5, ipo, 3000);
    const b = train(2, ipo, 3000);
    expect(a.worse).toBeGreaterThan(0.01);
    expect(b.worse).toBeGreaterThan(0.01);
    expect(Math.abs(a.worse - b.worse)).toBeGreaterThan(0.05);
    // IPO's optimum has h = 1/(2η) exactly: π(w)/π(l) = (π0(w)/π0(l))·e^{1/(2η)}
    for (const [eta, r] of [
      [0.5, a],
      [2, b],
    ] as const) {
      const ratio = (1 - r.worse) / r.worse;
      const ratio0 = (1 - r.reference) / r.reference;
      expect(Math.log(ratio / ratio0)).toBeCloseTo(1 / (2 * eta), 3);
    }
  });
});

describe("PairBatch.aggregated", () => {
  it("merges identical rows into weights, and the weighted objective equals the unmerged one", () => {
    const inst = testbedR(2);
    const pairs = new PairBatch();
    const rng = Rng.seeded(3);
    for (let i = 0; i < 400; i++) pairs.addPair(rng.int(3), rng.int(4), 4 + rng.int(3));
    const merged = pairs.aggregated();
    expect(merged.size).toBeLessThan(pairs.size);
    expect(merged.weights.reduce((s, w) => s + w, 0)).toBe(pairs.size);
    for (const kind of ["log-linear", "tabular"] as const) {
      const policy = createTrainablePolicy(kind, inst.problem);
      policy.setParameters(rng.normals(new Float64Array(policy.size)));
      const g1 = new Float64Array(policy.size);
      const g2 = new Float64Array(policy.size);
      const f1 = policy.objective(pairs, DPO, 0.1, 0.01, g1);
      const f2 = policy.objective(merged, DPO, 0.1, 0.01, g2);
      expect(Math.abs(f1 - f2)).toBeLessThanOrEqual(1e-10 * Math.abs(f1));
      for (let k = 0; k < policy.size; k++)
        expect(Math.abs(g1[k] - g2[k])).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(g1[k])));
    }
  });
});
