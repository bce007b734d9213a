import * as E from "fp-ts/lib/Either";
import { Rng, validatePolicy } from "@gsh/core";
import { evaluatePolicy, sampleOfflineData, testbedR } from "@gsh/preference";
import { RewardModel, iterativeDpo, rso } from "../src";

describe("iterative DPO", () => {
  const inst = testbedR(4, { eta: 0.3 });
  const sub = (p: Parameters<typeof evaluatePolicy>[1]) => {
    const m = evaluatePolicy(inst, p);
    if (E.isLeft(m)) throw new Error(m.left);
    return m.right.subopt;
  };

  it("spends T·m oracle queries, starts from π0 with every round-1 prompt tied (flagged), and improves SubOpt over π0", () => {
    const oracle = inst.makeOracle(Rng.seeded(1));
    const r = iterativeDpo(inst.problem, oracle, Rng.seeded(2), { rounds: 3, batchSize: 200 });
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.queries).toBe(600);
    expect(r.right.rounds.map((x) => x.queries)).toEqual([200, 400, 600]);
    expect(r.right.rounds[0].tiedPrompts).toBe(200); // θ̂ = 0 before any data: every score ties
    expect(r.right.rounds[1].tiedPrompts).toBeLessThan(100); // later ties only when all n samples are the same action
    expect(r.right.candidatesSampled).toBe(600 * 8);
    for (const round of r.right.rounds) expect(E.isRight(validatePolicy(round.policy))).toBe(true);
    const final = sub(r.right.policy.distribution());
    expect(final).toBeLessThan(sub(inst.problem.reference) / 5);
    expect(r.right.rounds[2].metrics["rewards/accuracies"]).toBeGreaterThan(0.5);
  });

  it("the moving reference is an explicit option and changes the result; reward-model labels spend no queries after warm-up", () => {
    const fixed = iterativeDpo(inst.problem, inst.makeOracle(Rng.seeded(1)), Rng.seeded(2), {
      rounds: 2,
      batchSize: 100,
    });
    const moving = iterativeDpo(inst.problem, inst.makeOracle(Rng.seeded(1)), Rng.seeded(2), {
      rounds: 2,
      batchSize: 100,
      reference: "moving",
    });
    expect(E.isRight(fixed) && E.isRight(moving)).toBe(true);
    if (E.isLeft(fixed) || E.isLeft(moving)) return;
    expect(Array.from(moving.right.policy.getParameters())).not.toEqual(Array.from(fixed.right.policy.getParameters()));
    const { data } = sampleOfflineData(inst, 200, 4);
    const oracle = inst.makeOracle(Rng.seeded(3));
    const rm = iterativeDpo(inst.problem, oracle, Rng.seeded(2), {
      rounds: 2,
      batchSize: 100,
      labels: "reward-model",
      warmupData: data,
    });
    expect(E.isRight(rm) && rm.right.queries).toBe(0);
    const bad = iterativeDpo(inst.problem, oracle, Rng.seeded(2), {
      rounds: 2,
      batchSize: 100,
      labels: "reward-model",
    });
    expect(E.isLeft(bad) && bad.left._tag === "InvalidArgument" && bad.left.field === "warmupData").toBe(true);
  });
});

describe("RSO end to end", () => {
  it("with the true reward as its model and many prompts, its fitted policy approaches π* (SubOpt ≪ SubOpt(π0)); costs are counted", () => {
    const inst = testbedR(5, { eta: 0.3 });
    const r = rso(inst.problem, new RewardModel(inst.problem, inst.truth.theta!), Rng.seeded(6), { prompts: 400 });
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.costs.candidatesSampled).toBe(400 * 64);
    expect(r.right.costs.rewardModelCalls).toBe(400 * 64);
    const m = evaluatePolicy(inst, r.right.policy.distribution());
    const m0 = evaluatePolicy(inst, inst.problem.reference);
    expect(E.isRight(m) && E.isRight(m0) && m.right.subopt < m0.right.subopt / 10).toBe(true);
  });
});
