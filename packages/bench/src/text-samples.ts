import { Rng } from "@gsh/core";
import { type SequenceInstance, type SequenceMetrics, evaluateGibbsPolicy } from "@gsh/testbeds";
import {
  factoredGibbsPolicy,
  type SequencePolicy,
  sampleFromPolicy,
  sampleGibbsSequence,
  sampleReferenceSequence,
  sequenceReward,
} from "@gsh/preference";
import type { OkRow, TextSample } from "@gsh/report";

/** Sentences per row: one for each of the first five prompts. */
export const SENTENCES_PER_ROW = 5;

/**
 * Sampled sentences of a trained policy beside π0's and π*'s, for environments that can `describe` a response.
 * Every policy draws with the same streams (`sentences/x`, independent of the trial's seed), so in any two rows the
 * π0 and π* sentences are the same and the policies' sentences differ only through the policies. Enumerated
 * policies (tiny problems) give none.
 */
export function sentenceSamples(instance: SequenceInstance, policy: SequencePolicy): OkRow["sentences"] | undefined {
  const describe = instance.describe?.bind(instance);
  if (!describe || policy.kind === "enumerated") return undefined;
  const { vocab: V, length: L, prompts } = instance.problem;
  const prompt = (x: number, draw: (rng: Rng) => Int32Array): TextSample => {
    const y = draw(Rng.seeded(0).split(`sentences/${x}`));
    return { prompt: x, ...describe(x, y), reward: sequenceReward(instance.truth.bigram, V, y) };
  };
  const xs = Array.from({ length: Math.min(SENTENCES_PER_ROW, prompts) }, (_, x) => x);
  const y = new Int32Array(L);
  const pi0 = factoredGibbsPolicy(instance.problem, new Float64Array((V + 1) * V));
  const exact = (m: SequenceMetrics) => ({ subopt: m.subopt, klToReference: m.klToReference });
  return {
    referenceMetrics: exact(evaluateGibbsPolicy(instance.problem, instance.truth, pi0)),
    optimalMetrics: exact(evaluateGibbsPolicy(instance.problem, instance.truth, instance.truth.optimalGibbs)),
    policy: xs.map((x) =>
      prompt(x, (rng) =>
        policy.kind === "sampler" ? policy.sample(x, 1, rng).responses : sampleFromPolicy(policy, x, rng, y),
      ),
    ),
    reference: xs.map((x) => prompt(x, (rng) => sampleReferenceSequence(instance.problem, x, rng, y))),
    optimal: xs.map((x) => prompt(x, (rng) => sampleGibbsSequence(instance.truth.optimalGibbs, x, rng, y))),
  };
}
