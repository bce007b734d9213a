import { Rng } from "@gsh/core";
import { SEQUENCE_SIZES, sampleOfflineData, testbedR, testbedS } from "@gsh/testbeds";
import { hybridGshf, onlineGshf } from "../src";

describe("bad numbers are typed errors through the Either API, never a throw", () => {
  const bandit = testbedR(0);
  const sequence = testbedS(0, SEQUENCE_SIZES.tiny);
  it.each([0, Number.NaN, -1, Infinity])(
    "η = %d in the problem → Left(InvalidArgument eta), bandits and sequences",
    (eta) => {
      for (const inst of [bandit, sequence]) {
        const problem = { ...inst.problem, eta };
        const oracle = inst.makeOracle(Rng.seeded(1));
        const options = { iterations: 2, batchSize: 5, beta: 1 };
        let r: unknown;
        expect(() => (r = onlineGshf(problem as never, oracle as never, Rng.seeded(2), options))).not.toThrow();
        expect(r).toBeLeft("InvalidArgument", { field: "eta" });
        expect(oracle.queries).toBe(0);
      }
    },
  );

  it("hybrid GSHF too", () => {
    const offline = sampleOfflineData(bandit, 20, 0).data;
    const r = hybridGshf({ ...bandit.problem, eta: 0 }, offline, bandit.makeOracle(Rng.seeded(1)), Rng.seeded(2), {
      iterations: 2,
      batchSize: 5,
      beta: 1,
    });
    expect(r).toBeLeft("InvalidArgument", { field: "eta" });
  });
});
