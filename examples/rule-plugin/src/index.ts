// An example gsh plugin: a new exploration rule for online GSHF, written outside gsh. The rule, ε-mixed pairs,
// asks about the main agent's sample against, with probability ε, a uniformly random response instead of a second
// sample of the main agent: on-policy pairs plus a little forced coverage (ε = 0.1 by default, stated, not tuned).
// Everything else (the MLE main agent, rounds, the counted oracle, the trace) is online GSHF's: a rule only decides
// which pair to ask about, so `onlineGshf` runs it unchanged. It is written against the rule's world (samplers of
// the main agent's and of uniform responses), so the same rule runs on finite bandits and on sequences.
//
// Load it with `gsh bench --plugin ./examples/rule-plugin/src/index.ts` or list it in a suite's `plugins:`.
import { getOrThrow } from "@gsh/core";
import { finiteGibbsFamily } from "@gsh/preference";
import { type ExplorationRule, onlineGshf } from "@gsh/online";
import { defineAlgorithm, z } from "@gsh/bench";

/** y¹ ~ π¹_t; y² ~ π¹_t, or with probability ε a uniformly random response. */
export function epsilonMixedRule(epsilon: number): ExplorationRule {
  return (s) => {
    const y1 = s.world.slot(),
      y2 = s.world.slot();
    return {
      sample: (x, rng) => [
        s.main.draw(x, rng, y1),
        rng.uniform() < epsilon ? s.world.uniform.draw(x, rng, y2) : s.main.draw(x, rng, y2),
      ],
      degenerate: () => 0,
    };
  };
}

export default defineAlgorithm({
  name: "epsilon-mixed",
  description:
    "example plugin: online GSHF with ε-mixed pairs (the main agent's sample vs, with probability ε, a uniform action)",
  track: "plugin",
  params: z
    .object({
      iterations: z.number().int().positive().default(10),
      epsilon: z.number().min(0).max(1).default(0.1),
      lambda: z.number().positive().default(1),
    })
    .strict(),
  run(ctx, p) {
    const m = Math.floor(ctx.budget / p.iterations);
    if (m < 1) throw new Error(`budget ${ctx.budget} is smaller than iterations ${p.iterations}`);
    const r = getOrThrow(
      onlineGshf(ctx.problem, ctx.oracle, ctx.rng, {
        iterations: p.iterations,
        batchSize: m,
        beta: 0,
        lambda: p.lambda,
        exploration: epsilonMixedRule(p.epsilon),
      }),
    );
    const family = finiteGibbsFamily(ctx.problem);
    return {
      policy: r.policy,
      trace: r.trace.map((t) => ({ queries: t.queries, policy: family.policyOf(t.theta) })),
    };
  },
});
