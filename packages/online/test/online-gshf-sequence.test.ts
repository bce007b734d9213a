import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import { SEQUENCE_SIZES, evaluateGibbsPolicy, evaluateMarkovPolicy, testbedS } from "@gsh/testbeds";
import { enumerateResponses, referenceMarkovPolicy, sequenceGibbsFamily, sequenceLogProb } from "@gsh/preference";
import { onlineGshf } from "../src";

describe("online GSHF on the sequence bandit", () => {
  const inst = testbedS(5, { ...SEQUENCE_SIZES.tiny, prompts: 6, eta: 0.3 });
  const { problem } = inst;
  const subopt0 = evaluateMarkovPolicy(problem, inst.truth, referenceMarkovPolicy(problem)).subopt;

  it.each(["enhancer", "on-policy", "reference", "uniform", "best-vs-worst"] as const)(
    "%s: spends exactly T·m counted queries and beats π0's SubOpt by half at 1200 queries",
    (exploration) => {
      const oracle = inst.makeOracle(Rng.seeded(1).split("oracle"));
      const r = onlineGshf(problem, oracle, Rng.seeded(1).split("alg"), {
        iterations: 4,
        batchSize: 300,
        beta: 4,
        exploration,
      });
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      expect(r.right.queries).toBe(1200);
      expect(oracle.queries).toBe(1200);
      expect(r.right.trace.map((t) => t.queries)).toEqual([300, 600, 900, 1200]);
      expect(evaluateGibbsPolicy(problem, inst.truth, r.right.policy).subopt).toBeLessThan(subopt0 / 2);
    },
  );

  it("every round meets the enhancer's constraint η·KL ≤ Γ, and each main agent's exact DP KL to π0 equals enumeration (1e-10)", () => {
    const oracle = inst.makeOracle(Rng.seeded(2));
    const r = onlineGshf(problem, oracle, Rng.seeded(2), { iterations: 3, batchSize: 100, beta: 4 });
    if (E.isLeft(r)) throw new Error("failed");
    const fam = sequenceGibbsFamily(problem);
    const ys = enumerateResponses(problem.vocab, problem.length);
    for (const t of r.right.trace) {
      expect(t.gamma).not.toBeNull();
      expect(problem.eta * t.enhancerKl!).toBeLessThanOrEqual(t.gamma! * (1 + 1e-6) + 1e-12);
      const main = fam.policyOf(t.theta);
      const dp = evaluateMarkovPolicy(problem, inst.truth, main).klToReference;
      const pi0 = referenceMarkovPolicy(problem);
      let kl = 0;
      for (let x = 0; x < problem.prompts; x++)
        for (const y of ys) {
          const lp = sequenceLogProb(main, x, y);
          kl += (Math.exp(lp) * (lp - sequenceLogProb(pi0, x, y))) / problem.prompts;
        }
      expect(Math.abs(dp - kl)).toBeLessThan(1e-10);
    }
  });

  it("refuses bad options with typed errors naming the field", () => {
    const oracle = inst.makeOracle(Rng.seeded(0));
    for (const [opts, field] of [
      [{ iterations: 0, batchSize: 1, beta: 1 }, "iterations"],
      [{ iterations: 1, batchSize: 1.5, beta: 1 }, "batchSize"],
      [{ iterations: 1, batchSize: 1, beta: -1 }, "beta"],
      [{ iterations: 1, batchSize: 1, beta: 1, bestOfN: 1 }, "bestOfN"],
    ] as const) {
      const r = onlineGshf(problem, oracle, Rng.seeded(0), opts);
      expect(r).toBeLeft("InvalidArgument", { field });
    }
  });
});
