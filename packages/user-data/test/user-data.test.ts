import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { Rng, type GshError, gibbsPolicy, linearReward } from "@gsh/core";
import { sampleOfflineData, testbedH, testbedR } from "@gsh/testbeds";
import { offlineGshf } from "@gsh/offline";
import { onlineGshf } from "@gsh/online";
import {
  type UserProblem,
  fitUserModel,
  readUserProblem,
  rewardModelFromJson,
  rewardModelToJson,
  suggestPairs,
  userPolicy,
  userProblemFromBandit,
  writeUserProblem,
} from "../src";
import { laplaceSampler } from "../src/suggest";

const dir = mkdtempSync(join(tmpdir(), "gsh-user-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function right<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
}

/** Expects a ParseError on this line and field. */
async function expectParseError(lines: string[], line: number, field: string, message: RegExp) {
  const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, lines.join("\n") + "\n");
  const r = await readUserProblem(path)();
  expect(E.isLeft(r)).toBe(true);
  if (E.isLeft(r)) {
    expect(r.left).toMatchObject({ _tag: "ParseError", source: path, line, field });
    expect((r.left as { message: string }).message).toMatch(message);
  }
}

function sameProblem(a: UserProblem, b: UserProblem) {
  expect(b.dim).toBe(a.dim);
  expect(b.prompts).toEqual(a.prompts);
  expect(b.candidates).toEqual(a.candidates);
  expect(Array.from(b.promptStart)).toEqual(Array.from(a.promptStart));
  expect(Array.from(b.features)).toEqual(Array.from(a.features));
  expect(Array.from(b.chosen)).toEqual(Array.from(a.chosen));
  expect(Array.from(b.rejected)).toEqual(Array.from(a.rejected));
  for (let x = 0; x < a.prompts.length; x++) expect(b.promptWeights[x]).toBeCloseTo(a.promptWeights[x], 14);
  for (let c = 0; c < a.candidates.length; c++) expect(b.referenceLogProb[c]).toBe(a.referenceLogProb[c]);
}

describe("the JSONL formats", () => {
  it("round trips a testbed's problem and pairs through the native layout, f64 and f32", async () => {
    const inst = testbedH(3);
    const { data } = sampleOfflineData(inst, 200, 3);
    const p = userProblemFromBandit(inst.problem, data);
    const path = join(dir, "h.jsonl");
    await writeUserProblem(path, p);
    sameProblem(p, right(await readUserProblem(path)()));
    const p32: UserProblem = { ...p, dtype: "f32", features: Float32Array.from(p.features) };
    await writeUserProblem(path, p32);
    const back = right(await readUserProblem(path)());
    expect(back.features).toBeInstanceOf(Float32Array);
    sameProblem(p32, back);
  });

  it("reads the {prompt, chosen, rejected} layout: candidates are distinct texts, stored once", async () => {
    const path = join(dir, "pairs.jsonl");
    const rows = [
      { prompt: "q1", chosen: "yes", rejected: "no", chosen_embedding: [1, 0], rejected_embedding: [0, 1] },
      { prompt: "q1", chosen: "maybe", rejected: "no", chosen_embedding: [0.5, 0.5], rejected_embedding: [0, 1] },
      { prompt: "q2", chosen: "no", rejected: "yes", chosen_embedding: [2, 2], rejected_embedding: [3, 3] },
    ];
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n"));
    const p = right(await readUserProblem(path)());
    expect(p.prompts).toEqual(["q1", "q2"]);
    expect(p.candidates.length).toBe(5); // "no" answers q1 once (repeated) and q2 once: 3 + 2
    expect(Array.from(p.promptStart)).toEqual([0, 3, 5]);
    expect(p.chosen.length).toBe(3);
    expect(p.referenceLogProb[0]).toBeCloseTo(-Math.log(3), 15);
  });

  it("malformed files give a ParseError with the line and the field", async () => {
    const c = (id: string, f: unknown, extra = {}) =>
      JSON.stringify({ type: "candidate", id, prompt: "p", features: f, ...extra });
    await expectParseError(["{nope"], 1, "(line)", /not JSON/);
    await expectParseError([c("a", [1, 2]), c("b", [1])], 2, "features", /has 1 entries, expected 2/);
    await expectParseError([c("a", [1, 2]), c("b", [1, "x"])], 2, "features[1]", /finite number/);
    await expectParseError([c("a", [1, 2]), c("a", [1, 2])], 2, "id", /defined twice/);
    await expectParseError(
      [c("a", [1, 2]), '{"type":"pair","chosen":"a","rejected":"zz"}'],
      2,
      "rejected",
      /unknown candidate "zz"/,
    );
    await expectParseError(
      [c("a", [1, 2]), '{"type":"pair","chosen":"a","rejected":"a"}'],
      2,
      "rejected",
      /two different/,
    );
    await expectParseError([c("a", [1, 2], { reference: 1.5 })], 1, "reference", /probability/);
    await expectParseError([c("a", [1, 2]), '{"prompt":"q","chosen":"x","rejected":"y"}'], 2, "type", /mixes/);
    await expectParseError(['{"type":"problem","version":2}'], 1, "version", /unsupported version 2/);
    await expectParseError(
      [c("a", [1, 2], { reference: 0.5 }), c("b", [0, 1])],
      1,
      "reference",
      /1 of its 2 candidates/,
    );
    await expectParseError(
      [
        JSON.stringify({ prompt: "q", chosen: "x", rejected: "y", chosen_embedding: [1], rejected_embedding: [2] }),
        JSON.stringify({ prompt: "q", chosen: "x", rejected: "z", chosen_embedding: [5], rejected_embedding: [2] }),
      ],
      2,
      "chosen_embedding[0]",
      /different embedding/,
    );
  });
});

describe("fit: the Bradley-Terry model and its confidence radii", () => {
  it("the asymptotic radius √χ²_{d,1−δ} (H-norm) holds in a binomial 99% band around 1 − δ over 200 seeds of R; the worst-case radius in ≥ 1 − δ", () => {
    // R: d = 8, n = 1000 pairs from π0, λ = 1; θ is identified on R, so no centring is needed. No constant tuned.
    const held = { 0.5: 0, 0.1: 0 };
    let worst = 0;
    const seeds = 200;
    for (let seed = 0; seed < seeds; seed++) {
      const inst = testbedR(seed);
      const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 1000, seed).data);
      const f = right(fitUserModel(p, { delta: 0.1, folds: 0, normBound: inst.problem.normBound }));
      const d = p.dim;
      const diff = f.theta.map((v, k) => v - inst.truth.theta![k]);
      let qH = 0;
      let qD = 0;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          qH += diff[i] * f.hessian[i * d + j] * diff[j];
          qD += diff[i] * f.designCovariance[i * d + j] * diff[j];
        }
      if (Math.sqrt(qH) <= right(fitUserModel(p, { delta: 0.5, folds: 0 })).radius.asymptotic) held[0.5]++;
      if (Math.sqrt(qH) <= f.radius.asymptotic) held[0.1]++;
      if (Math.sqrt(qD) <= f.radius.worstCase!.value) worst++;
    }
    for (const delta of [0.5, 0.1] as const) {
      const mean = seeds * (1 - delta);
      const half = 2.576 * Math.sqrt(seeds * delta * (1 - delta));
      expect(held[delta]).toBeGreaterThanOrEqual(mean - half);
      expect(held[delta]).toBeLessThanOrEqual(mean + half);
    }
    expect(worst).toBeGreaterThanOrEqual(0.9 * seeds);
  });

  it("cross-validated accuracy and log-loss sit near the Bayes values of θ* on R (n = 4000), and ECE is small", () => {
    const inst = testbedR(7);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 4000, 7).data);
    const f = right(fitUserModel(p, { folds: 5 }));
    // Bayes: predict with θ*, averaged over the same pairs
    let acc = 0;
    let loss = 0;
    const d = p.dim;
    for (let i = 0; i < p.chosen.length; i++) {
      let m = 0;
      for (let k = 0; k < d; k++)
        m += inst.truth.theta![k] * (p.features[p.chosen[i] * d + k] - p.features[p.rejected[i] * d + k]);
      acc += m > 0 ? 1 : 0;
      loss += Math.log1p(Math.exp(-m));
    }
    const cv = f.crossValidation!;
    expect(Math.abs(cv.accuracy - acc / p.chosen.length)).toBeLessThan(0.03);
    expect(cv.logLoss).toBeGreaterThan(loss / p.chosen.length - 0.02);
    expect(cv.logLoss).toBeLessThan(loss / p.chosen.length + 0.03);
    expect(cv.ece).toBeLessThan(0.05);
  });

  it("the reward model JSON round trips and names a bad field", () => {
    const inst = testbedR(1);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 300, 1).data);
    const f = right(fitUserModel(p, { folds: 3 }));
    const back = right(rewardModelFromJson(rewardModelToJson(f)));
    expect(Array.from(back.theta)).toEqual(Array.from(f.theta));
    expect(Array.from(back.hessian)).toEqual(Array.from(f.hessian));
    expect(back.radius).toEqual(f.radius);
    const bad = JSON.parse(rewardModelToJson(f));
    bad.theta[2] = "x";
    expect(rewardModelFromJson(JSON.stringify(bad))).toMatchObject({ left: { _tag: "ParseError", field: "theta[2]" } });
    expect(rewardModelFromJson(rewardModelToJson(f, { parametersOnly: true }))).toMatchObject({
      left: { field: "hessian" },
    });
  });
});

describe("policy and suggest", () => {
  it("Option II over the user's candidates equals offline GSHF on the same testbed data", () => {
    const inst = testbedH(2);
    const { data } = sampleOfflineData(inst, 500, 2);
    const p = userProblemFromBandit(inst.problem, data);
    const f = right(fitUserModel(p, { folds: 0 }));
    for (const option of ["I", "II"] as const) {
      const mine = right(userPolicy(p, f, { eta: inst.problem.eta, beta: 1, option }));
      const ref = right(offlineGshf(inst.problem, data, { beta: 1, option }));
      mine.rows.forEach((r, i) => expect(Math.abs(r.probability - ref.policy.probs[i])).toBeLessThan(1e-7));
    }
    // β = 0: the Gibbs policy of θ̂, no bonus
    const plain = right(userPolicy(p, f, { eta: inst.problem.eta, beta: 0 }));
    const gibbs = gibbsPolicy(
      inst.problem.reference,
      linearReward(inst.problem.features, f.theta),
      inst.problem.eta,
    ).policy;
    plain.rows.forEach((r, i) => {
      expect(r.bonus).toBe(0);
      expect(r.probability).toBeCloseTo(gibbs.probs[i], 14);
    });
  });

  it("suggest --rule enhancer reproduces the online enhancer's round on H: main θ, Γ and the drawn pairs", () => {
    const inst = testbedH(5);
    const m = 100;
    const online = right(
      onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(5).split("oracle")), Rng.seeded(5).split("online"), {
        iterations: 2,
        batchSize: m,
        beta: Math.sqrt(inst.problem.dim),
      }),
    );
    // round 2 (t = 1) saw the first batch: fit on it, then suggest on that round's stream
    const first = online.data.prefix(m);
    const p = userProblemFromBandit(inst.problem, first);
    const f = right(fitUserModel(p, { folds: 0 }));
    for (let k = 0; k < p.dim; k++) expect(f.theta[k]).toBeCloseTo(online.trace[1].theta[k], 8);
    const s = right(
      suggestPairs(p, f, {
        batch: m,
        rule: "enhancer",
        eta: inst.problem.eta,
        rng: Rng.seeded(5).split("online").split("iteration/1"),
        // the online loop asks whatever its policies draw, prompts i.i.d. from d0
        allowRelabel: true,
        spread: "d0",
      }),
    );
    expect(s.enhancer!.gamma).toBeCloseTo(online.trace[1].gamma!, 6);
    expect(s.enhancer!.klToMain).toBeCloseTo(online.trace[1].enhancerKl!, 6);
    // the round's batch, less its pairs of an action with itself (which suggest skips), is where suggest starts
    const d = online.data;
    const round: string[] = [];
    for (let i = m; i < 2 * m; i++)
      if (d.first[i] !== d.second[i])
        round.push(`x${d.context[i]}|x${d.context[i]}/a${d.first[i]}|x${d.context[i]}/a${d.second[i]}`);
    expect(round.length).toBeGreaterThan(m / 2);
    expect(s.pairs.slice(0, round.length).map((q) => `${q.prompt}|${q.first}|${q.second}`)).toEqual(round);
    expect(s.pairs.length).toBe(m);
  });

  it("thompson's Laplace sampler draws from N(θ̂, H⁻¹): sample mean and covariance within 4 standard errors", () => {
    const inst = testbedR(4);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 300, 4).data);
    const f = right(fitUserModel(p, { folds: 0 }));
    const d = p.dim;
    const draw = laplaceSampler(f);
    const rng = Rng.seeded(9);
    const n = 20_000;
    const mean = new Float64Array(d);
    const second = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const t = draw(rng);
      for (let a = 0; a < d; a++) {
        mean[a] += (t[a] - f.theta[a]) / n;
        for (let b = 0; b < d; b++) second[a * d + b] += ((t[a] - f.theta[a]) * (t[b] - f.theta[b])) / n;
      }
    }
    // H⁻¹ by solving H·X = I column by column
    const Hinv = invert(f.hessian, d);
    for (let a = 0; a < d; a++) {
      expect(Math.abs(mean[a])).toBeLessThan(4 * Math.sqrt(Hinv[a * d + a] / n));
      for (let b = 0; b < d; b++) {
        const se = Math.sqrt((Hinv[a * d + a] * Hinv[b * d + b] + Hinv[a * d + b] ** 2) / n);
        expect(Math.abs(second[a * d + b] - Hinv[a * d + b])).toBeLessThan(4 * se);
      }
    }
  });

  it("uncertainty picks distinct pairs of maximal entropy × width; every rule returns pairs of one prompt's candidates", () => {
    const inst = testbedH(1);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 300, 1).data);
    const f = right(fitUserModel(p, { folds: 0 }));
    for (const rule of ["uncertainty", "thompson", "enhancer"] as const) {
      const s = right(suggestPairs(p, f, { batch: 20, rule, eta: 0.1, rng: Rng.seeded(1) }));
      expect(s.pairs.length).toBe(20);
      for (const q of s.pairs) {
        expect(q.first).not.toBe(q.second);
        expect(q.first.startsWith(`${q.prompt}/`)).toBe(true);
        expect(q.second.startsWith(`${q.prompt}/`)).toBe(true);
      }
      if (rule === "uncertainty") expect(new Set(s.pairs.map((q) => `${q.first}|${q.second}`)).size).toBe(20);
    }
    expect(suggestPairs(p, f, { batch: 0, rule: "thompson", eta: 0.1, rng: Rng.seeded(1) })).toMatchObject({
      left: { field: "batch" },
    });
    // a model whose θ does not have the data's dimension is a typed error, not a RangeError from the kernels
    const short = { ...f, theta: f.theta.subarray(0, f.dim - 1) };
    expect(() => userPolicy(p, short, { eta: 0.1, beta: 1 })).not.toThrow();
    expect(userPolicy(p, short, { eta: 0.1, beta: 1 })).toBeLeft("InvalidArgument", { field: "model" });
    expect(suggestPairs(p, short, { batch: 4, rule: "thompson", eta: 0.1, rng: Rng.seeded(1) })).toBeLeft(
      "InvalidArgument",
      { field: "model" },
    );
  });
});

function invert(A: Float64Array, d: number): Float64Array {
  const M = Array.from({ length: d }, (_, i) => [
    ...Array.from(A.subarray(i * d, (i + 1) * d)),
    ...Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)),
  ]);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    const v = M[c][c];
    for (let j = 0; j < 2 * d; j++) M[c][j] /= v;
    for (let r = 0; r < d; r++)
      if (r !== c) {
        const f = M[r][c];
        for (let j = 0; j < 2 * d; j++) M[r][j] -= f * M[c][j];
      }
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = M[i][d + j];
  return out;
}
