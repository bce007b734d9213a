import { Rng, cholesky } from "@gsh/core";
import { Covariance, bradleyTerryHessian } from "@gsh/preference";
import { testbedR, testbedS } from "@gsh/testbeds";
import {
  EXPLORATION_NAMES,
  UCB_BONUS_FINITE_ONLY,
  bestEntropyWidthPair,
  entropyWidthPairs,
  entropyWidthRule,
  finiteWorld,
  hybridGshfAlgorithm,
  onlineAlgorithms,
  onlineGshf,
  onlineGshfAlgorithm,
} from "../src";

describe("the online algorithms' definitions", () => {
  it("declare their parameters with the documented defaults", () => {
    expect(onlineAlgorithms.map((a) => a.name)).toEqual(["online-gshf", "hybrid-gshf"]);
    expect(onlineGshfAlgorithm.track).toBe("online");
    expect(onlineGshfAlgorithm.params.parse({})).toEqual({
      iterations: 10,
      beta: "sqrt-d",
      lambda: 1,
      bestOfN: 8,
      output: "last",
      cMax: 100,
      exploration: "enhancer",
    });
    expect(hybridGshfAlgorithm.params.parse({})).toMatchObject({ offlineFraction: 0.5, exploration: "reference" });
    expect(() => hybridGshfAlgorithm.params.parse({ exploration: "xpo" })).toThrow();
    expect(() => onlineGshfAlgorithm.params.parse({ bestOfN: 1 })).toThrow();
  });

  it("report what cannot run on sequences (the UCB bonus, the min-uncertainty output) before running, and nothing on bandits", () => {
    const online = (p: object) => onlineGshfAlgorithm.params.parse(p);
    for (const exploration of EXPLORATION_NAMES)
      for (const kind of ["bandit", "non-transitive"] as const)
        expect(
          onlineGshfAlgorithm.unsupported!({ kind }, online({ exploration, output: "min-uncertainty" })),
        ).toBeNull();
    expect(onlineGshfAlgorithm.unsupported!({ kind: "sequence" }, online({ exploration: "ucb-bonus" }))).toBe(
      UCB_BONUS_FINITE_ONLY,
    );
    for (const exploration of ["xpo", "apo", "vpo-reference", "entropy-width"])
      expect(onlineGshfAlgorithm.unsupported!({ kind: "sequence" }, online({ exploration }))).toBeNull();
    expect(onlineGshfAlgorithm.unsupported!({ kind: "sequence" }, online({ output: "min-uncertainty" }))).toMatch(
      /output rule is 'last'/,
    );
    expect(onlineGshfAlgorithm.unsupported!({ kind: "sequence" }, online({ exploration: "vpo" }))).toBeNull();
    const hybrid = hybridGshfAlgorithm.params.parse({ output: "min-uncertainty" });
    expect(hybridGshfAlgorithm.unsupported!({ kind: "sequence" }, hybrid)).toMatch(/output rule is 'last'/);
  });

  it("the library refuses the same pairings with typed errors naming the field", () => {
    const seq = testbedS(0, { eta: 0.1 });
    const run = (o: object) =>
      onlineGshf(seq.problem, seq.makeOracle(Rng.seeded(1)), Rng.seeded(2), {
        iterations: 2,
        batchSize: 5,
        beta: 1,
        ...o,
      });
    expect(run({ output: "min-uncertainty" })).toBeLeft("InvalidArgument", { field: "output" });
    expect(run({ exploration: "ucb-bonus" })).toBeLeft("InvalidArgument", { field: "exploration" });
  });
});

describe("the entropy × width rule, one rule for every kind", () => {
  it("on finite actions every pair is a candidate: each context's pair is the argmax over all A(A−1)/2 pairs", () => {
    const inst = testbedR(2, { eta: 0.1 });
    const { contexts: X, actions: A, dim: d, features } = inst.problem;
    const theta = Rng.seeded(7)
      .normals(new Float64Array(d))
      .map((v) => 0.3 * v);
    const H = bradleyTerryHessian(Rng.seeded(8).normals(new Float64Array(60 * d)), 60, d, theta, 1);
    const world = finiteWorld(inst.problem);
    const plan = entropyWidthRule({
      world,
      theta,
      main: world.member(theta),
      covariance: new Covariance(d, 1),
      beta: 1,
      rng: Rng.seeded(0),
      hessian: () => H,
    });
    const pairs = entropyWidthPairs(inst.problem, theta, H);
    for (let x = 0; x < X; x++) {
      expect(plan.sample(x, Rng.seeded(x))).toEqual([pairs[2 * x], pairs[2 * x + 1]]);
      // and that pair is the best of every action's features taken as the candidate set
      const row = features.values.subarray(x * A * d, (x + 1) * A * d);
      expect(bestEntropyWidthPair(row, A, theta, cholesky(H, d))).toEqual([pairs[2 * x], pairs[2 * x + 1]]);
    }
  });
});
