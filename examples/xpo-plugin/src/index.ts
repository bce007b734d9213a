// An example gsh plugin: optimistic online preference learning with an exploration bonus, in the spirit of XPO
// (Xie et al. 2024), which adds an optimism term to DPO. Here, on a finite-action bandit: each round the sampling
// policy is the Gibbs policy of an *optimistic* reward <θ̂, φ> + α‖φ(x,a) − ν(x)‖_{Σ⁻¹} (the opposite sign of offline
// pessimism), paired against π0 as XPO pairs policy samples with reference samples. The output is the Gibbs policy
// of the MLE on all queries, like online GSHF's, so the comparison is about which data each rule collects.
//
// Load it with `gsh bench --plugin ./examples/xpo-plugin/src/index.ts` or list it in a suite's `plugins:`.
import { AliasTable, gibbsPolicy, linearReward, rowSamplers } from "@gsh/core";
import {
  Covariance,
  PreferenceDataset,
  finiteGibbsFamily,
  fitBradleyTerryOrThrow,
  winnerMinusLoser,
} from "@gsh/preference";
import { defineAlgorithm, z } from "@gsh/bench";

export default defineAlgorithm({
  name: "xpo-optimistic",
  description:
    "example plugin: XPO-style optimism — sample from the Gibbs policy of <θ̂,φ> + α‖φ − ν‖_{Σ⁻¹}, pair with π0",
  track: "plugin",
  params: z
    .object({
      iterations: z.number().int().positive().default(10),
      alpha: z.number().min(0).default(1),
      lambda: z.number().positive().default(1),
    })
    .strict(),
  run(ctx, p) {
    const { problem } = ctx;
    const { contexts: X, actions: A, dim: d, features } = problem;
    const m = Math.floor(ctx.budget / p.iterations);
    if (m < 1) throw new Error(`budget ${ctx.budget} is smaller than iterations ${p.iterations}`);
    const family = finiteGibbsFamily(problem);
    const nu = family.moments(new Float64Array(d)).features; // ν(x) = φ(x, π0)
    const diffs = new Float64Array(X * A * d);
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++)
        for (let k = 0; k < d; k++) diffs[(x * A + a) * d + k] = features.values[(x * A + a) * d + k] - nu[x * d + k];
    const cov = new Covariance(d, p.lambda);
    const data = new PreferenceDataset(p.iterations * m);
    const contexts = new AliasTable(problem.contextWeights);
    let theta = new Float64Array(d);
    const trace = [];
    for (let t = 0; t < p.iterations; t++) {
      const optimistic = linearReward(features, theta);
      const bonus = cov.norms(diffs, X * A);
      for (let i = 0; i < X * A; i++) optimistic[i] += p.alpha * bonus[i];
      const sampler = gibbsPolicy(problem.reference, optimistic, problem.eta).policy;
      const t1 = rowSamplers(sampler.probs, X, A);
      const t0 = rowSamplers(problem.reference.probs, X, A);
      const rng = ctx.rng.split(`round/${t}`);
      const batch = new PreferenceDataset(m);
      for (let i = 0; i < m; i++) {
        const x = contexts.sample(rng);
        const a1 = t1[x].sample(rng);
        const a2 = t0[x].sample(rng);
        batch.push(x, a1, a2, ctx.oracle.query(x, a1, a2));
      }
      const Z = winnerMinusLoser(batch, features);
      cov.addRows(Z, m);
      data.append(batch);
      theta = Float64Array.from(
        fitBradleyTerryOrThrow(winnerMinusLoser(data, features), data.size, d, { lambda: p.lambda, init: theta }).theta,
      );
      trace.push({ queries: data.size, policy: family.policyOf(theta) });
    }
    return { policy: family.policyOf(theta), trace };
  },
});
