import * as E from "fp-ts/lib/Either";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleOfflineData, testbedP } from "@gsh/testbeds";
import { type OkRow, builtinRegistry, expandTrials, parseSuiteText, resolveSuite, runTrial } from "../src";
import { banditCoverage } from "../src/coverage";

// The coverage diagnostics against enumeration on small P instances: the touched set by scanning the records, π* from
// θ* by its definition π0·e^{<θ*, φ>/η}/Z, and the three quantities by their sums.

const dir = mkdtempSync(join(tmpdir(), "gsh-coverage-"));

describe("coverage diagnostics", () => {
  it.each([
    ["tabular", 40],
    ["one-hot-ish", 60],
  ] as const)("equal enumeration on P %s with %i pairs", (variant, n) => {
    const inst = testbedP(2, { eta: 0.3, variant });
    const { problem } = inst;
    const { contexts: X, actions: A, dim: d } = problem;
    const { data } = sampleOfflineData(inst, n, 2);
    const touched = new Set<string>();
    for (let i = 0; i < data.size; i++) {
      touched.add(`${data.context[i]},${data.first[i]}`);
      touched.add(`${data.context[i]},${data.second[i]}`);
    }
    const theta = inst.truth.theta!;
    let maxRatio = 0,
      chi2 = 0,
      unseenStar = 0,
      unseenRef = 0;
    for (let x = 0; x < X; x++) {
      const w: number[] = [];
      for (let a = 0; a < A; a++) {
        let r = 0;
        for (let k = 0; k < d; k++) r += theta[k] * problem.features.values[(x * A + a) * d + k];
        w.push(problem.reference.probs[x * A + a] * Math.exp(r / problem.eta));
      }
      const Z = w.reduce((s, v) => s + v, 0);
      for (let a = 0; a < A; a++) {
        const star = w[a] / Z;
        const mu = problem.reference.probs[x * A + a];
        maxRatio = Math.max(maxRatio, star / mu);
        chi2 += (star * star) / mu / X;
        if (!touched.has(`${x},${a}`)) {
          unseenStar += star / X;
          unseenRef += mu / X;
        }
      }
    }
    const c = banditCoverage(inst, [{ data, behaviour: "reference" }], problem.reference)!;
    expect(c.records).toBe(n);
    expect(c.optimal.maxDensityRatio).toBeCloseTo(maxRatio, 9);
    expect(c.optimal.chi2Coverage).toBeCloseTo(chi2, 9);
    expect(c.optimal.unseenMass).toBeCloseTo(unseenStar, 12);
    expect(c.referenceUnseenMass).toBeCloseTo(unseenRef, 12);
    // π0 against its own data: ratio 1, χ² coverage 1, and its unseen mass
    expect(c.policy.maxDensityRatio).toBeCloseTo(1, 12);
    expect(c.policy.chi2Coverage).toBeCloseTo(1, 12);
    expect(c.policy.unseenMass).toBeCloseTo(unseenRef, 12);
    // few pairs leave part of π* untouched on P (its distractors), more pairs touch more
    expect(unseenStar).toBeGreaterThan(0);
    const more = banditCoverage(
      inst,
      [{ data: sampleOfflineData(inst, 20 * n, 2).data, behaviour: "reference" }],
      problem.reference,
    )!;
    expect(more.optimal.unseenMass).toBeLessThan(c.optimal.unseenMass);
    // no draws, or draws from two behaviours: no single sampling distribution
    expect(banditCoverage(inst, [], problem.reference)).toBeNull();
    expect(
      banditCoverage(
        inst,
        [
          { data, behaviour: "reference" },
          { data, behaviour: "uniform" },
        ],
        problem.reference,
      ),
    ).toBeNull();
  });

  it("rows carry them in suites that ask, for algorithms that drew offline data", async () => {
    const run = async (alg: string, extra: string) => {
      const file = join(dir, "c.yaml");
      const parsed = parseSuiteText(
        `name: c\nseeds: 1\nbudgets: [100]\nenvironments: [{ name: P }]\nalgorithms: [{ name: ${alg} }]\n${extra}`,
        file,
      );
      if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
      const suite = resolveSuite(parsed.right, builtinRegistry(), file, dir);
      if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
      return (await runTrial(expandTrials(suite.right)[0], builtinRegistry())) as OkRow;
    };
    const dpo = await run("dpo", "coverage: {}\n");
    expect(dpo.status).toBe("ok");
    expect(dpo.coverage?.records).toBe(100);
    expect(dpo.coverage!.policy.unseenMass).toBeGreaterThanOrEqual(0);
    expect((await run("dpo", "")).coverage).toBeUndefined();
    expect((await run("online-gshf", "coverage: {}\n")).coverage).toBeUndefined();
  });
});
