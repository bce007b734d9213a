import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * `gsh new-plugin <file.ts>`: writes a working algorithm plugin (MLE-Gibbs on offline π0 data, the walk-through of
 * CONTRIBUTING.md) and a suite beside it that runs it against the built-in β = 0, so a contributor starts from
 * something that runs: `gsh bench --suite <name>.suite.yaml`. Existing files are never overwritten.
 */
export async function scaffoldPlugin(file: string): Promise<{ plugin: string; suite: string; name: string }> {
  if (!/\.(ts|mts|js|mjs)$/.test(file)) throw new Error(`${file}: a plugin file ends in .ts, .mts, .js or .mjs`);
  const name = basename(file)
    .replace(/\.[^.]+$/, "")
    .replace(/[^\w.-]/g, "-");
  const suite = join(dirname(file), `${name}.suite.yaml`);
  for (const f of [file, suite]) if (existsSync(f)) throw new Error(`${f} exists; nothing was written`);
  const plugin = `// A gsh algorithm plugin (see CONTRIBUTING.md, "Writing an algorithm plugin"). The runner validates params
// with the schema, gives run() a trial context (problem, counted oracle, budget, seeded rng, offline data) and
// scores the returned policy exactly at the environment boundary: you never compute a metric.
import { defineAlgorithm, z } from "@gsh/bench";
import { gibbsPolicy, linearReward } from "@gsh/core";
import { fitBradleyTerryOrThrow, winnerMinusLoser } from "@gsh/preference";

export default defineAlgorithm({
  name: "${name}",
  track: "theory",
  description: "MLE-Gibbs on offline π0 data: change run() to try your idea",
  params: z.object({ lambda: z.number().positive().default(1) }).strict(),
  supports: ["bandit"],
  run(ctx, { lambda }) {
    if (ctx.kind !== "bandit") throw new Error("this plugin runs on finite bandits");
    const data = ctx.offlineData(ctx.budget); // the same π0 pairs every offline algorithm of the trial gets
    const Z = winnerMinusLoser(data, ctx.problem.features);
    const fit = fitBradleyTerryOrThrow(Z, data.size, ctx.problem.dim, { lambda });
    const reward = linearReward(ctx.problem.features, fit.theta);
    return { policy: gibbsPolicy(ctx.problem.reference, reward, ctx.problem.eta).policy };
  },
});
`;
  const yaml = `# Runs ${basename(file)} beside the built-in MLE-Gibbs (β = 0): gsh bench --suite ${basename(suite)}
name: ${name}
seeds: 5
budgets: [300, 1000]
plugins: ["./${basename(file)}"]
environments:
  - { label: "R η=0.1", name: R, params: { eta: 0.1 } }
  - { label: "P tabular η=0.1", name: P, params: { eta: 0.1 } }
algorithms:
  - { label: "${name}", name: ${name} }
  - { label: "β=0 (MLE-Gibbs)", name: offline-gshf, params: { beta: 0 } }
comparisons:
  - { a: "${name}", b: "β=0 (MLE-Gibbs)" }
`;
  await writeFile(file, plugin, { flag: "wx" });
  await writeFile(suite, yaml, { flag: "wx" });
  return { plugin: file, suite, name };
}
