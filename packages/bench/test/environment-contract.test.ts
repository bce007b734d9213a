import * as E from "fp-ts/lib/Either";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gibbsPolicy, linearReward, uniformPolicy } from "@gsh/core";
import {
  evaluatePolicy,
  nonTransitiveBandit,
  referenceModePolicy,
  sampleOfflineData,
  testbedR,
  testbedS,
  winRate,
} from "@gsh/testbeds";
import { fitBradleyTerryOrThrow, markovAsSampler, maxRewardGap, winnerMinusLoser } from "@gsh/preference";
import {
  type AlgorithmDefinition,
  type OkRow,
  type ResultRow,
  type Registry,
  builtinRegistry,
  defineAlgorithm,
  expandTrials,
  loadPlugins,
  parseSuiteText,
  resolveSuite,
  runTrial,
  z,
} from "../src";
import { calibrationSummary, sentencesHtml } from "@gsh/report";

/** The row as an ok row, or a test failure that shows its error. */
function okRow(row: ResultRow): OkRow {
  if (row.status !== "ok") throw new Error(`expected an ok row, got: ${row.error}`);
  return row;
}

const dir = mkdtempSync(join(tmpdir(), "gsh-contract-"));

function withAlgorithms(...defs: AlgorithmDefinition[]): Registry {
  const base = builtinRegistry();
  return { ...base, algorithms: new Map([...base.algorithms, ...defs.map((d) => [d.name, d] as const)]) };
}

async function runOne(registry: Registry, env: string, alg: string, budget = 100, extra = "") {
  const parsed = parseSuiteText(
    `name: c\nseeds: 1\nbudgets: [${budget}]\nenvironments: [${env}]\nalgorithms: [{ name: ${alg} }]\n${extra}`,
    join(dir, "c.yaml"),
  );
  if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
  const suite = resolveSuite(parsed.right, registry, join(dir, "c.yaml"), dir);
  if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
  return runTrial(expandTrials(suite.right)[0], registry);
}

describe("the environment contract: the runner dispatches on the environment's kind", () => {
  it("non-transitive: the row carries win rates against π0 and π0's most likely action, computed at the boundary, and no SubOpt", async () => {
    const uniform = defineAlgorithm({
      name: "uniform-policy",
      description: "returns the uniform policy",
      params: z.object({}).strict(),
      run: (ctx) => ({ policy: uniformPolicy(ctx.problem.contexts, ctx.problem.actions) }),
    });
    const row = await runOne(withAlgorithms(uniform), "{ name: NT }", "uniform-policy");
    expect(row.status).toBe("ok");
    const inst = nonTransitiveBandit(0, { eta: 0.1 });
    const u = uniformPolicy(inst.problem.contexts, inst.problem.actions);
    expect(okRow(row).metrics.subopt).toBeNull();
    expect(okRow(row).metrics.winRateVsReference).toBeCloseTo(winRate(inst, u, inst.problem.reference), 12);
    expect(okRow(row).metrics.winRateVsReferenceMode).toBeCloseTo(
      winRate(inst, u, referenceModePolicy(inst.problem)),
      12,
    );
  });

  it("sequence: a sampler policy is scored by Monte Carlo and marked estimated; π* sampled has SubOpt 0 within its interval", async () => {
    const optimal = defineAlgorithm({
      name: "sample-optimum",
      description: "samples from π* (a test of the Monte-Carlo path; reads the truth, which no real algorithm can)",
      supports: ["sequence"],
      params: z.object({}).strict(),
      run: (ctx) => ({ policy: markovAsSampler(testbedS(ctx.seed, { eta: 0.1 }).truth.optimal) }),
    });
    const row = await runOne(withAlgorithms(optimal), "{ name: S }", "sample-optimum");
    expect(row.status).toBe("ok");
    const m = okRow(row).metrics;
    expect(m.estimated).toBe(true);
    expect(m.samplesPerPrompt).toBe(512);
    // SubOpt's estimator at π = π* is exactly 0 per sample (log π − log π* = 0 up to rounding)
    expect(Math.abs(m.subopt!)).toBeLessThan(1e-9);
    expect(m.ci95!.klToReference).toBeGreaterThan(0);
  });

  it("sequence: a finite Policy table returned on a sequence environment is a failed row that says what was expected", async () => {
    const wrong = defineAlgorithm({
      name: "wrong-shape",
      description: "returns a table",
      supports: ["sequence"],
      params: z.object({}).strict(),
      run: () => ({ policy: uniformPolicy(2, 2) }),
    });
    const row = await runOne(withAlgorithms(wrong), "{ name: S }", "wrong-shape");
    expect(row.status).toBe("failed");
    expect(row.status === "failed" && row.error).toMatch(/needs a SequencePolicy/);
  });

  it("sequence: built-in algorithms report exact metrics from the DP and count every query", async () => {
    const row = await runOne(builtinRegistry(), "{ name: S }", "online-gshf", 200);
    expect(row.status).toBe("ok");
    expect(okRow(row).metrics.estimated).toBe(false);
    expect(okRow(row).metrics.queries).toBe(200);
    expect(okRow(row).metrics.subopt).toBeGreaterThan(0);
    expect(okRow(row).trace!.length).toBe(10);
  });

  it("a plugin environment of an unknown kind, or an algorithm with unknown kinds, is a PluginError naming it", async () => {
    const envFile = join(dir, "bad-env.cjs");
    writeFileSync(
      envFile,
      `module.exports = { kind: "environment", environmentKind: "graph", name: "G", description: "", params: { safeParse: () => ({ success: true, data: {} }) }, create: () => null };`,
    );
    const r = await loadPlugins(builtinRegistry(), [envFile], dir)();
    expect(E.isLeft(r) && r.left).toMatchObject({
      _tag: "PluginError",
      message: expect.stringMatching(/unknown kind "graph"/),
    });
    const algFile = join(dir, "bad-alg.cjs");
    writeFileSync(
      algFile,
      `module.exports = { kind: "algorithm", supports: ["tree"], name: "A", description: "", track: "plugin", params: { safeParse: () => ({ success: true, data: {} }) }, run: () => null };`,
    );
    const r2 = await loadPlugins(builtinRegistry(), [algFile], dir)();
    expect(E.isLeft(r2) && r2.left).toMatchObject({
      _tag: "PluginError",
      message: expect.stringMatching(/supports \["tree"\]/),
    });
  });

  it("text: rows carry ten sentences of the policy, π0 and π* (the same π0/π* sentences in every row) and their exact expectations, shown in the report", async () => {
    const env = "{ name: T, params: { vocab: 64, length: 6 } }";
    const dpo = okRow(await runOne(builtinRegistry(), env, "dpo", 200));
    const mle = okRow(await runOne(builtinRegistry(), env, "offline-gshf", 200));
    for (const row of [dpo, mle]) {
      expect(row.sentences!.policy).toHaveLength(10);
      expect(row.sentences!.reference.map((s) => s.prompt)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(row.sentences!.optimalMetrics.subopt).toBeLessThan(1e-12);
      expect(row.sentences!.referenceMetrics.klToReference).toBeLessThan(1e-12);
      // The expectations come from the DP: the policy's E r* is the row's exact true reward, computed apart.
      const e = row.sentences!.expected!;
      expect(Math.abs(e.policy!.reward - row.metrics.trueReward!)).toBeLessThan(1e-12);
      // The sentiment default's rule: r* = 0.1 × the AFINN total, so in expectation too.
      for (const x of [e.reference, e.optimal, e.policy!])
        expect(Math.abs(x.reward - 0.1 * x.valence)).toBeLessThan(1e-12);
      expect(e.optimal.positiveWords).toBeGreaterThan(e.reference.positiveWords);
    }
    expect(dpo.sentences!.reference).toEqual(mle.sentences!.reference);
    expect(dpo.sentences!.optimal).toEqual(mle.sentences!.optimal);
    // DPO on the log-linear policy is the MLE-Gibbs policy: with the same random streams, the same sentences.
    expect(dpo.sentences!.policy.map((s) => s.text)).toEqual(mle.sentences!.policy.map((s) => s.text));
    expect(dpo.sentences!.optimal[0].text).toMatch(/^But /);
    for (const s of [...dpo.sentences!.reference, ...dpo.sentences!.optimal]) expect(s.text).not.toContain("<unk>");
    const html = sentencesHtml([dpo], (t) => t.replace(/</g, "&lt;"));
    expect(html).toContain("<h2>Sentences</h2>");
    expect(html).toContain(`<td>${dpo.sentences!.expected!.optimal.valence.toFixed(3)}</td>`);
    for (const s of [...dpo.sentences!.optimal, ...dpo.sentences!.policy])
      expect(html).toContain(s.text.replace(/</g, "&lt;"));
  });

  it("KL estimators on a trained table are exact: k1 and k3 unbiased, k2's bias ½E[ℓ²] − KL, sds from the policy's moments (1e-9)", async () => {
    const row = okRow(
      await runOne(
        builtinRegistry(),
        "{ name: R }",
        "offline-gshf",
        300,
        "klEstimators: { sampleSizes: [1, 8, 64], repeats: 3000 }\n",
      ),
    );
    const study = row.klEstimators!;
    expect(study.exact).toBe(row.metrics.klToReference);
    expect(study.points.map((p) => p.n)).toEqual([1, 8, 64]);
    // The exact moments of ℓ = log π/π0 under the trained policy (MLE-Gibbs on R at 300 pairs, recomputed here).
    const inst = testbedR(0, { eta: 0.1 });
    const off = sampleOfflineData(inst, 300, 0, "reference").data;
    const mle = fitBradleyTerryOrThrow(winnerMinusLoser(off, inst.problem.features), off.size, inst.problem.dim);
    const policy = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, mle.theta), 0.1).policy;
    const { contexts: X, actions: A } = inst.problem;
    let m1 = 0,
      m2 = 0,
      m4 = 0,
      k3sq = 0;
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++) {
        const p = policy.probs[x * A + a] * inst.problem.contextWeights[x];
        if (p === 0) continue;
        const l = Math.log(policy.probs[x * A + a] / inst.problem.reference.probs[x * A + a]);
        m1 += p * l;
        m2 += p * l * l;
        m4 += p * l ** 4;
        k3sq += p * (Math.expm1(-l) + l) ** 2;
      }
    expect(Math.abs(m1 - study.exact)).toBeLessThan(1e-9);
    const sdTerm = {
      k1: Math.sqrt(m2 - m1 * m1),
      k2: Math.sqrt(m4 / 4 - (m2 / 2) ** 2),
      k3: Math.sqrt(k3sq - m1 * m1),
    };
    const biasOf = { k1: 0, k2: m2 / 2 - m1, k3: 0 };
    // A finite table's study is exact (no sampling): bias and sd/√n from the moments, k3's included, whose sd
    // (~7·10⁴ per sample here) 3000 Monte-Carlo draws used to report as ~12.
    expect(study.repeats).toBe(0);
    expect(study.moments).toBeDefined();
    for (const p of study.points)
      for (const k of ["k1", "k2", "k3"] as const) {
        expect(Math.abs(p.bias[k] - biasOf[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(biasOf[k])));
        expect(Math.abs(p.sd[k] / (sdTerm[k] / Math.sqrt(p.n)) - 1)).toBeLessThan(1e-9);
      }
    expect(sdTerm.k3).toBeGreaterThan(1000 * sdTerm.k1);
  });

  it("over-optimisation: along η' the proxy reward and the KL rise, and at η' = η the sweep is the MLE-Gibbs policy's own metrics (R and S)", async () => {
    for (const env of ["{ name: R }", "{ name: S }"]) {
      const row = okRow(await runOne(builtinRegistry(), env, "offline-gshf", 300, "overOptimization: {}\n"));
      const s = row.overOptimization!;
      expect(s.eta.length).toBe(8);
      for (let i = 1; i < s.eta.length; i++) {
        expect(s.eta[i]).toBeLessThan(s.eta[i - 1]);
        expect(s.proxy[i]).toBeGreaterThan(s.proxy[i - 1]); // d/dη' E_{π_η'} r̂ = −Var(r̂)/η'² < 0
        expect(s.kl[i]).toBeGreaterThan(s.kl[i - 1]);
      }
      const i1 = s.eta.findIndex((e) => Math.abs(e - 0.1) < 1e-15);
      expect(Math.abs(s.gold[i1] - row.metrics.trueReward!)).toBeLessThan(1e-12);
      expect(Math.abs(s.kl[i1] - row.metrics.klToReference)).toBeLessThan(1e-12);
    }
  });

  it("calibration: offline rows carry the theory's β(δ) = √((d + log 1/δ)/γ² + λB²) (c = 1), and the report's coverage counts seeds", async () => {
    const row = okRow(await runOne(builtinRegistry(), "{ name: R }", "offline-gshf", 300));
    const inst = testbedR(0, { eta: 0.1 });
    const zMax = maxRewardGap(inst.problem.features, 3).value;
    const gamma = 1 / (2 + Math.exp(zMax) + Math.exp(-zMax));
    expect(row.confidenceWidths!.map((w) => w.delta)).toEqual([0.5, 0.1, 0.05]);
    for (const w of row.confidenceWidths!)
      expect(w.beta).toBeCloseTo(Math.sqrt((8 + Math.log(1 / w.delta)) / gamma ** 2 + 1 * 9), 8);
    // Coverage and looseness from rows: radii 1..10 over 10 seeds, β(0.5) = 5, β(0.1) = 9.5.
    const rows = Array.from({ length: 10 }, (_, i) => ({
      ...row,
      seed: i,
      metrics: { ...row.metrics, estimationError: i + 1 },
      confidenceWidths: [
        { delta: 0.5, beta: 5 },
        { delta: 0.1, beta: 9.5 },
      ],
    }));
    const c = calibrationSummary(rows, row.environment);
    expect(c.map((x) => [x.delta, x.coverage, x.ratio])).toEqual([
      [0.5, 0.5, 1], // 5 of 10 radii ≤ 5; the median radius is 5
      [0.1, 0.9, 9.5 / 9], // 9 of 10 ≤ 9.5; the 0.9-quantile radius is 9
    ]);
  });
});

describe("--save-policies: trained models as gsh/reward-model JSON", () => {
  it("MLE-Gibbs and log-linear DPO save the reward their policy is the Gibbs policy of, and it rebuilds the policy exactly", async () => {
    const saveDir = mkdtempSync(join(tmpdir(), "gsh-save-"));
    const registry = builtinRegistry();
    for (const alg of ["offline-gshf", "dpo"]) {
      const parsed = parseSuiteText(
        `name: s\nseeds: 1\nbudgets: [300]\nenvironments: [{ name: R }]\nalgorithms: [{ name: ${alg} }]\n`,
        join(dir, "s.yaml"),
      );
      if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
      const suite = resolveSuite(parsed.right, registry, join(dir, "s.yaml"), dir);
      if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
      const row = okRow(await runTrial({ ...expandTrials(suite.right)[0], saveModelsDir: saveDir }, registry));
      const file = readdirSync(saveDir).find(
        (f) => f.includes(alg === "dpo" ? "dpo" : "offline") && f.endsWith(".policy.json"),
      );
      const saved = JSON.parse(readFileSync(join(saveDir, file!), "utf8"));
      expect(saved).toMatchObject({
        schema: "gsh/reward-model",
        version: 1,
        dim: 8,
        kind: "gibbs-policy",
        trialId: row.trialId,
      });
      // π0·exp(<θ, φ>/η) from the file alone reproduces the trial's exact SubOpt
      const inst = testbedR(0, { eta: 0.1 });
      const pi = gibbsPolicy(
        inst.problem.reference,
        linearReward(inst.problem.features, Float64Array.from(saved.theta)),
        saved.eta,
      ).policy;
      const m = evaluatePolicy(inst, pi);
      if (E.isLeft(m)) throw new Error(m.left);
      expect(Math.abs(m.right.subopt - row.metrics.subopt!)).toBeLessThan(1e-12);
    }
    expect(readdirSync(saveDir).filter((f) => f.endsWith(".reward-model.json")).length).toBe(1); // offline-gshf's θ̂
  });
});

describe("the budget is spent whole: T rounds of ⌊B/T⌋, then B mod T in a final round", () => {
  it.each([
    ["online-gshf", "{ name: R }", 105, 11], // 10 rounds of 10, then 5
    ["online-gshf", "{ name: S }", 107, 11],
    ["hybrid-gshf", "{ name: R }", 105, 11], // 52 offline, 53 online: 10 rounds of 5, then 3
    ["iterative-dpo", "{ name: R }", 100, 4], // 3 rounds of 33, then 1
    ["iterative-dpo", "{ name: S }", 100, 4],
  ])("%s on %s at budget %d asks every query (%d rounds traced)", async (alg, env, budget, rounds) => {
    const row = okRow(await runOne(builtinRegistry(), env, alg, budget));
    expect(row.metrics.queries).toBe(budget);
    expect(row.trace).toHaveLength(rounds);
    expect(row.trace![rounds - 1].queries).toBe(alg === "hybrid-gshf" ? budget - Math.floor(budget / 2) : budget);
  });

  it("a divisible budget has no final round, and a budget below T fails the trial naming both", async () => {
    expect(okRow(await runOne(builtinRegistry(), "{ name: R }", "online-gshf", 100)).trace).toHaveLength(10);
    const small = await runOne(builtinRegistry(), "{ name: R }", "online-gshf", 7);
    expect(small.status === "failed" && small.error).toMatch(/budget 7 is smaller than iterations 10/);
  });
});
