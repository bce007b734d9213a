import { pairedVerdict } from "@gsh/core";
import { finiteGibbsFamily, fitBradleyTerryOrThrow, winnerMinusLoser } from "@gsh/preference";
import { sampleOfflineData, testbedH } from "@gsh/testbeds";
import { subopt, online } from "./helpers";

// The spec's claim for online exploration, on the testbed built for it. Kept in its own file for its time budget.

describe("hidden direction H (p_hid = 1e-3, η = 0.1, T = 10, β = √d fixed in advance)", () => {
  it.each([300, 1000])(
    "at %i queries the enhancer beats passive π0 pairs and on-policy pairs (20 seeds, > 2 SE)",
    (budget) => {
      const passive: number[] = [],
        onPolicy: number[] = [],
        enh: number[] = [];
      for (let seed = 0; seed < 20; seed++) {
        const inst = testbedH(seed, { eta: 0.1 });
        const { data } = sampleOfflineData(inst, budget, seed);
        const fit = fitBradleyTerryOrThrow(winnerMinusLoser(data, inst.problem.features), data.size, 8, { lambda: 1 });
        passive.push(subopt(inst, finiteGibbsFamily(inst.problem).policyOf(fit.theta)));
        const base = { iterations: 10, batchSize: budget / 10, beta: Math.sqrt(8) };
        onPolicy.push(subopt(inst, online(inst, seed, { ...base, exploration: "on-policy" }).policy));
        const r = online(inst, seed, { ...base, exploration: "enhancer" });
        expect(r.queries).toBe(budget);
        enh.push(subopt(inst, r.policy));
      }
      for (const other of [passive, onPolicy]) {
        const v = pairedVerdict(enh, other);
        expect(v.meanDifference).toBeGreaterThan(2 * v.stderr);
        expect(v.aBeatsB).toBe(true);
      }
    },
  );
});
