import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import {
  Covariance,
  covarianceFromJson,
  covarianceToJson,
  estimateFromJson,
  estimateToJson,
  fitBradleyTerryOrThrow,
  policyFromJson,
  policyToJson,
  winnerMinusLoser,
} from "@gsh/preference";
import { sampleOfflineData, testbedR } from "../src";

describe("save and load (JSON with a schema version)", () => {
  const inst = testbedR(0);
  const { data } = sampleOfflineData(inst, 300, 0);
  const Z = winnerMinusLoser(data, inst.problem.features);

  it("round-trips an estimate, a covariance and a policy exactly", () => {
    const fit = fitBradleyTerryOrThrow(Z, data.size, 8);
    const e = estimateFromJson(
      estimateToJson({
        theta: fit.theta,
        lambda: 1,
        diagnostics: { iterations: fit.iterations, converged: fit.converged },
      }),
    );
    expect(E.isRight(e) && Array.from(e.right.theta)).toEqual(Array.from(fit.theta));
    const cov = new Covariance(8, 1);
    cov.addRows(Z, data.size);
    const c = covarianceFromJson(covarianceToJson(cov));
    expect(c).toBeRight();
    if (E.isRight(c)) {
      expect(Array.from(c.right.matrix)).toEqual(Array.from(cov.matrix));
      const v = Rng.seeded(1).normals(new Float64Array(8));
      expect(c.right.norm(v)).toBe(cov.norm(v));
      expect(c.right.size).toBe(300);
    }
    const p = policyFromJson(policyToJson(inst.truth.optimal));
    expect(E.isRight(p) && Array.from(p.right.probs)).toEqual(Array.from(inst.truth.optimal.probs));
  });

  it.each([
    ["bad JSON", "{", "(json)"],
    ["wrong schema", JSON.stringify({ schema: "gsh/policy", version: 1 }), "schema"],
    ["future version", JSON.stringify({ schema: "gsh/estimate", version: 2 }), "version"],
    ["wrong length", JSON.stringify({ schema: "gsh/estimate", version: 1, dim: 3, lambda: 1, theta: [1, 2] }), "theta"],
    [
      "NaN written as null",
      JSON.stringify({ schema: "gsh/estimate", version: 1, dim: 2, lambda: 1, theta: [1, null] }),
      "theta[1]",
    ],
  ])("%s is a ParseError naming the field", (_n, text, field) => {
    const r = estimateFromJson(text, "est.json");
    expect(E.isLeft(r) && r.left._tag === "ParseError" && r.left.field === field && r.left.source === "est.json").toBe(
      true,
    );
  });

  it("an invalid saved policy is refused by validation", () => {
    const r = policyFromJson(
      JSON.stringify({ schema: "gsh/policy", version: 1, contexts: 1, actions: 2, probs: [0.7, 0.7] }),
    );
    expect(r).toBeLeft("InvalidPolicy");
  });
});
