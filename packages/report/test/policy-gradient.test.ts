import { klConfigurationMatrix, policyGradientRuns, subOptimalityAlongSamples } from "../src";

// The policy-gradient sections read the rows' diagnostics: audit cells (exact or estimated, converged or not), the
// sampled runs' samples and MLE-Gibbs gaps, and SubOpt along the training path (J* − gold + η·KL per checkpoint).

const audit = (algorithm: string, subopt: number, diagnostics: Record<string, unknown>, seed = 0) =>
  ({
    environment: "R",
    algorithm,
    algorithmName: "pg-audit",
    budget: 300,
    seed,
    status: "ok",
    metrics: { subopt },
    diagnostics,
  }) as never;

describe("policy-gradient report sections", () => {
  it("marks exact fixed points at π*, unconverged ones, and estimates with their seed interval", () => {
    const rows = [
      audit("k1", 1e-16, { "audit/exact": true, "audit/cosine": 1, "audit/fixedPointConverged": true }),
      audit("k1-loss", 0.2, { "audit/exact": true, "audit/cosine": 0.9, "audit/fixedPointConverged": false }),
      audit("grpo-std", 0.2, { "audit/exact": false }, 0),
      audit("grpo-std", 0.4, { "audit/exact": false }, 1),
    ];
    const m = klConfigurationMatrix(rows);
    const by = (c: string) => m.find((x) => x.configuration === c)!;
    expect(by("k1")).toMatchObject({ exact: true, reachesOptimum: true, converged: true, cosine: 1 });
    expect(by("k1-loss")).toMatchObject({ exact: true, reachesOptimum: false, converged: false });
    expect(by("grpo-std").exact).toBe(false);
    expect(by("grpo-std").subopt).toBeCloseTo(0.3, 12);
    // 1.96·sd/√n with sd = 0.1414…, n = 2
    expect(by("grpo-std").halfWidth).toBeCloseTo((1.96 * Math.sqrt(0.02)) / Math.sqrt(2), 12);
  });

  it("pools sampled runs per cell and reads SubOpt along the samples drawn from the training path", () => {
    const run = (seed: number, subopt: number) =>
      ({
        environment: "R",
        algorithm: "RLOO",
        algorithmName: "rloo",
        budget: 300,
        seed,
        status: "ok",
        environmentParams: { eta: 0.1 },
        algorithmParams: { promptsPerStep: 20, samplesPerPrompt: 8 },
        metrics: { subopt, objective: 1 - subopt, queries: 300, candidatesSampled: 1600 },
        diagnostics: { "pg/reward": "learned", "pg/gapToMleGibbs": 0.2, "pg/mleGibbsSubopt": 0.05 },
        trainingPath: { step: [0, 10], kl: [0, 1], gold: [0.5, 0.9], proxy: [0, 0] },
      }) as never;
    const [c] = policyGradientRuns([run(0, 0.1), run(1, 0.3)]);
    expect(c).toMatchObject({ seeds: 2, samples: 1600, queries: 300, gapToMleGibbs: 0.2, mleGibbsSubopt: 0.05 });
    expect(c.subopt).toBeCloseTo(0.2, 12);
    const along = subOptimalityAlongSamples([run(0, 0.1)]);
    // J* = SubOpt + J = 1; at step 10 (1600 samples): 1 − (0.9 − 0.1·1) = 0.2
    expect(along.find((a) => a.samples === 1600)!.subopt).toBeCloseTo(0.2, 12);
    expect(along.find((a) => a.samples === 0)!.subopt).toBeCloseTo(0.5, 12);
  });
});
