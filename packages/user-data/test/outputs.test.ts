// What comes out: the policy's summary against closed forms, DPO rows, the reward-model file, and the documented
// Python loader.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { type GshError } from "@gsh/core";
import { sampleOfflineData, testbedH } from "@gsh/testbeds";
import {
  PYTHON_LOADER,
  type UserProblem,
  fitUserModel,
  labelledDpoRows,
  policySummary,
  rankedDpoRows,
  rewardModelFromJson,
  rewardModelToJson,
  userPolicy,
  userProblemFromBandit,
} from "../src";

function right<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
}

describe("the policy's summary", () => {
  it("KL and expected reward of the Gibbs policy (β = 0) match KL = E_π[r̂]/η − log Z per prompt", () => {
    const inst = testbedH(3);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 400, 3).data);
    const f = right(fitUserModel(p, { folds: 0 }));
    const eta = 0.7;
    const pol = right(userPolicy(p, f, { eta, beta: 0 }));
    const s = policySummary(p, pol, eta);
    let overall = 0;
    for (let x = 0; x < p.prompts.length; x++) {
      // π = π0·e^{r/η}/Z: KL(π‖π0) = E_π[r]/η − log Z, Z = Σ π0 e^{r/η}
      let Z = 0,
        er = 0;
      const rows = pol.rows.slice(p.promptStart[x], p.promptStart[x + 1]);
      for (const r of rows) Z += r.reference * Math.exp(r.reward / eta);
      for (const r of rows) er += ((r.reference * Math.exp(r.reward / eta)) / Z) * r.reward;
      expect(s.perPrompt[x].expectedReward).toBeCloseTo(er, 10);
      expect(s.perPrompt[x].kl).toBeCloseTo(er / eta - Math.log(Z), 10);
      expect(s.perPrompt[x].pessimisticMargin).toBe(0);
      overall += p.promptWeights[x] * er;
    }
    expect(s.overall.expectedReward).toBeCloseTo(overall, 10);
    // with pessimism the margin is E_π[bonus] > 0 and the objective is E_π[r̂] − η·KL
    const pess = policySummary(p, right(userPolicy(p, f, { eta, beta: 1 })), eta);
    expect(pess.overall.pessimisticMargin).toBeGreaterThan(0);
    expect(pess.overall.objective).toBeCloseTo(pess.overall.expectedReward - eta * pess.overall.kl, 12);
  });
});

describe("DPO rows", () => {
  const p: UserProblem = {
    dim: 1,
    dtype: "f64",
    prompts: ["q1", "q2"],
    promptWeights: Float64Array.of(0.5, 0.5),
    promptStart: Int32Array.of(0, 3, 5),
    candidates: ["a", "b", "c", "d", "e"],
    features: Float64Array.of(2, 0, 1, -1, 1),
    referenceLogProb: Float64Array.of(...new Array(3).fill(-Math.log(3)), -Math.log(2), -Math.log(2)),
    chosen: Int32Array.of(0, 1, 2, 3),
    rejected: Int32Array.of(1, 2, 0, 4),
    labels: Float64Array.of(1, 0.2, 0.5, 1),
    ties: Uint8Array.of(0, 0, 0, 1),
    promptTexts: ["Q1", [{ role: "user", content: "Q2" }]],
    candidateTexts: ["A", "B", "C", "D", "E"],
  };

  it("labelled: oriented by the label, ties and p = ½ left out", () => {
    expect(right(labelledDpoRows(p))).toEqual([
      { prompt: "Q1", chosen: "A", rejected: "B" },
      { prompt: "Q1", chosen: "C", rejected: "B" }, // p = 0.2: rejected was preferred
    ]);
    expect(labelledDpoRows({ ...p, candidateTexts: undefined })).toMatchObject({ left: { field: "data" } });
  });

  it("ranked: per prompt the policy's most against its least probable candidate", () => {
    const fit = right(fitUserModel({ ...p, labels: undefined, ties: undefined }, { folds: 0 }));
    const pol = right(userPolicy(p, { ...fit, theta: Float64Array.of(1) }, { eta: 1, beta: 0 }));
    expect(right(rankedDpoRows(p, pol))).toEqual([
      { prompt: "Q1", chosen: "A", rejected: "B" },
      { prompt: [{ role: "user", content: "Q2" }], chosen: "E", rejected: "D" },
    ]);
  });
});

describe("the reward-model file", () => {
  it("records the embedding, the outcomes and ν̂, and reads them back; parameters-only keeps the embedding", () => {
    const inst = testbedH(1);
    const base = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 300, 1).data);
    const n = base.chosen.length;
    const p: UserProblem = {
      ...base,
      ties: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)),
      labels: Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0.6 : 1)),
      embedding: { model: "test-model", dim: base.dim, input: "response" },
    };
    const f = right(fitUserModel(p, { folds: 0 }));
    const back = right(rewardModelFromJson(rewardModelToJson(f)));
    expect(back.embedding).toEqual(p.embedding);
    expect(back.tieParameter).toBe(f.tieParameter);
    expect(back.outcomes).toEqual(f.outcomes);
    expect(Array.from(back.theta)).toEqual(Array.from(f.theta));
    const small = JSON.parse(rewardModelToJson(f, { parametersOnly: true }));
    expect(Object.keys(small).sort()).toEqual(["dim", "embedding", "lambda", "schema", "theta", "version"]);
    expect(
      rewardModelFromJson(JSON.stringify({ ...JSON.parse(rewardModelToJson(f)), tieParameter: -1 })),
    ).toMatchObject({ left: { field: "tieParameter" } });
  });

  it("the README shows the Python loader that `gsh export --python` writes, verbatim", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    expect(readme).toContain("```python\n" + PYTHON_LOADER + "```");
  });
});
