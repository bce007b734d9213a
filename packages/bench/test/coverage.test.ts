import * as E from "fp-ts/lib/Either";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bigramReward,
  enumerateResponses,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  markovSequencePolicy,
  referenceMarkovPolicy,
  sequenceFeatures,
  sequenceGibbs,
  sequenceLogProb,
} from "@gsh/preference";
import { SEQUENCE_SIZES, sampleOfflineData, sampleSequenceOfflineData, testbedP, testbedS } from "@gsh/testbeds";
import { type OkRow, builtinRegistry, expandTrials, parseSuiteText, resolveSuite, runTrial } from "../src";
import { banditCoverage, sequenceCoverage } from "../src/coverage";

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

  it("equal enumeration on the tiny sequence bandit (V = 4, L = 4), for π*, π0 and a Gibbs policy as table or factored", () => {
    const seq = testbedS(3, { ...SEQUENCE_SIZES.tiny, eta: 0.3 });
    const { problem, truth } = seq;
    const { prompts: X, vocab: V, length: L, dim: d, eta } = problem;
    const offline = sampleSequenceOfflineData(seq, 40, 3);
    const w = Float64Array.from({ length: d }, (_, k) => 2 * Math.cos(k + 0.5));
    const ys = enumerateResponses(V, L);
    const pi0 = referenceMarkovPolicy(problem);
    const phi = new Float64Array(d);
    const touched = Array.from({ length: X }, () => new Set<string>());
    for (let i = 0; i < offline.data.size; i++)
      for (const r of [offline.first, offline.second])
        touched[offline.data.context[i]].add(r.subarray(i * L, (i + 1) * L).join(","));
    // by enumeration: each policy ∝ π0·e^{reward/η} over the 256 responses, then the three sums
    const enumerate = (reward: (y: Int32Array) => number) => {
      let maxRatio = 0,
        chi2 = 0,
        unseen = 0;
      for (let x = 0; x < X; x++) {
        const p0 = ys.map((y) => Math.exp(sequenceLogProb(pi0, x, y)));
        const u = ys.map((y, i) => p0[i] * Math.exp(reward(y) / eta));
        const Z = u.reduce((a, b) => a + b, 0);
        ys.forEach((y, i) => {
          const p = u[i] / Z;
          maxRatio = Math.max(maxRatio, p / p0[i]);
          chi2 += (p * p) / p0[i] / X;
          if (!touched[x].has(y.join(","))) unseen += p / X;
        });
      }
      return { maxRatio, chi2, unseen };
    };
    const star = enumerate((y) => {
      let r = 0,
        s = V;
      for (const v of y) {
        r += truth.bigram[s * V + v];
        s = v;
      }
      return r;
    });
    const mine = enumerate((y) => {
      sequenceFeatures(problem, y, phi);
      return phi.reduce((a, f, k) => a + f * w[k], 0);
    });
    const reference = enumerate(() => 0);
    const b = bigramReward(problem, w);
    for (const policy of [
      gibbsSequencePolicy(factoredGibbsPolicy(problem, b, eta)),
      markovSequencePolicy(sequenceGibbs(problem, b, eta).policy),
    ]) {
      const c = sequenceCoverage(seq, [offline], policy)!;
      expect(c.records).toBe(40);
      expect(c.optimal.maxDensityRatio).toBeCloseTo(star.maxRatio, 8);
      expect(c.optimal.chi2Coverage).toBeCloseTo(star.chi2, 9);
      expect(c.optimal.unseenMass).toBeCloseTo(star.unseen, 10);
      expect(c.policy.maxDensityRatio).toBeCloseTo(mine.maxRatio, 8);
      expect(c.policy.chi2Coverage).toBeCloseTo(mine.chi2, 9);
      expect(c.policy.unseenMass).toBeCloseTo(mine.unseen, 10);
      expect(c.referenceUnseenMass).toBeCloseTo(reference.unseen, 10);
    }
    expect(star.unseen).toBeGreaterThan(0.1); // 40 pairs leave most of the 256 responses per prompt untouched
    expect(sequenceCoverage(seq, [], gibbsSequencePolicy(factoredGibbsPolicy(problem, b, eta)))).toBeNull();
  });

  it("rows carry them in suites that ask, for algorithms that drew offline data", async () => {
    const run = async (alg: string, extra: string, env = "P") => {
      const file = join(dir, "c.yaml");
      const parsed = parseSuiteText(
        `name: c\nseeds: 1\nbudgets: [100]\nenvironments: [{ name: ${env} }]\nalgorithms: [{ name: ${alg} }]\n${extra}`,
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
    const onS = await run("dpo", "coverage: {}\n", "S");
    expect(onS.coverage?.records).toBe(100);
    expect(onS.coverage!.optimal.unseenMass).toBeGreaterThan(0.5); // 200 responses of 262 144 per prompt
  });
});
