import {
  bestOfNAlgorithm,
  drGrpoAlgorithm,
  grpoAlgorithm,
  pgAuditAlgorithm,
  ppoAlgorithm,
  reinforceAlgorithm,
  rlooAlgorithm,
} from "../src/policy-gradient";

// Bad parameters are refused by the definitions' schemas and `unsupported`, which the suite loader runs for every
// entry before any trial: each refusal names the parameter.

const issuePath = (r: { success: boolean; error?: { issues: readonly { path: PropertyKey[]; message: string }[] } }) =>
  r.success ? null : { path: r.error!.issues[0].path.map(String).join("."), message: r.error!.issues[0].message };

describe("policy-gradient parameters", () => {
  it.each([
    [rlooAlgorithm, "RLOO"],
    [grpoAlgorithm, "GRPO"],
    [drGrpoAlgorithm, "Dr. GRPO"],
  ])("k < 2 is refused for %s's group baseline, naming samplesPerPrompt", (def) => {
    const e = issuePath(def.params.safeParse({ samplesPerPrompt: 1 }));
    expect(e?.path).toBe("samplesPerPrompt");
    expect(e?.message).toMatch(/k ≥ 2/);
  });

  it("k = 1 is allowed where the baseline does not need the group (REINFORCE, PPO)", () => {
    expect(reinforceAlgorithm.params.safeParse({ samplesPerPrompt: 1 }).success).toBe(true);
    expect(ppoAlgorithm.params.safeParse({ samplesPerPrompt: 1 }).success).toBe(true);
  });

  it("an unknown estimator, placement or granularity is refused, naming it", () => {
    expect(issuePath(rlooAlgorithm.params.safeParse({ klEstimator: "k4" }))?.path).toBe("klEstimator");
    expect(issuePath(rlooAlgorithm.params.safeParse({ klPlacement: "advantage" }))?.path).toBe("klPlacement");
    expect(issuePath(rlooAlgorithm.params.safeParse({ klGranularity: "word" }))?.path).toBe("klGranularity");
  });

  it("a negative η_train is refused; η_train = 0 (no KL term) is allowed", () => {
    const e = issuePath(grpoAlgorithm.params.safeParse({ klCoefficient: -0.1 }));
    expect(e?.path).toBe("klCoefficient");
    expect(e?.message).toMatch(/≥ 0/);
    expect(grpoAlgorithm.params.safeParse({ klCoefficient: 0 }).success).toBe(true);
  });

  it("a clip range outside (0, 1) is refused", () => {
    for (const clip of [0, 1, 1.5, -0.2]) expect(issuePath(ppoAlgorithm.params.safeParse({ clip }))?.path).toBe("clip");
    expect(ppoAlgorithm.params.safeParse({ clip: 0.2 }).success).toBe(true);
  });

  it("r* where the environment has none, and tabular on sequences, are refused before running", () => {
    const gold = rlooAlgorithm.params.parse({ reward: "gold" });
    expect(rlooAlgorithm.unsupported!({ kind: "non-transitive" }, gold)).toMatch(/reward 'gold' needs an r\*/);
    expect(rlooAlgorithm.unsupported!({ kind: "bandit" }, gold)).toBeNull();
    const tab = rlooAlgorithm.params.parse({ policy: "tabular" });
    expect(rlooAlgorithm.unsupported!({ kind: "sequence" }, tab)).toMatch(/tabular/);
    const bon = bestOfNAlgorithm.params.parse({});
    expect(bestOfNAlgorithm.unsupported!({ kind: "non-transitive" }, bon)).toMatch(/gold/);
    expect(issuePath(pgAuditAlgorithm.params.safeParse({ learner: "dpo" }))?.path).toBe("learner");
  });
});
