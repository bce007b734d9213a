import { Rng } from "@gsh/core";
import { type SequenceInstance, type SequenceMetrics, evaluateGibbsPolicy, evaluateMarkovPolicy } from "@gsh/testbeds";
import {
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  type SequencePolicy,
  type TabularSequencePolicy,
  sampleFromPolicy,
  sampleGibbsSequence,
  sampleReferenceSequence,
  sequenceReward,
} from "@gsh/preference";
import type { OkRow, SentenceExpectation, TextSample } from "@gsh/report";

/** Sentences per row: one for each of the first ten prompts. */
export const SENTENCES_PER_ROW = 10;

/**
 * Sampled sentences of a trained policy beside π0's and π*'s, for environments that can `describe` a response.
 * Every policy draws with the same streams (`sentences/x`, independent of the trial's seed), so in any two rows the
 * π0 and π* sentences are the same and the policies' sentences differ only through the policies. Enumerated
 * policies (tiny problems) give none. What depends on the instance only (π0's and π*'s sentences, metrics and
 * expectations) is computed through `once`, which a runner that keeps instances answers from its cache.
 */
export function sentenceSamples(
  instance: SequenceInstance,
  policy: SequencePolicy,
  once: <T>(what: string, compute: () => T) => T = (_what, compute) => compute(),
): OkRow["sentences"] | undefined {
  const describe = instance.describe?.bind(instance);
  if (!describe || policy.kind === "enumerated") return undefined;
  const { vocab: V, length: L, prompts } = instance.problem;
  const prompt = (x: number, draw: (rng: Rng) => Int32Array): TextSample => {
    const y = draw(Rng.seeded(0).split(`sentences/${x}`));
    return { prompt: x, ...describe(x, y), reward: sequenceReward(instance.truth.bigram, V, y) };
  };
  const xs = Array.from({ length: Math.min(SENTENCES_PER_ROW, prompts) }, (_, x) => x);
  const y = new Int32Array(L);
  const exact = (m: SequenceMetrics) => ({ subopt: m.subopt, klToReference: m.klToReference });
  const statistics = instance.sentenceStatistics?.bind(instance);
  // E r* of the trained policy by the DP: the same forward pass as its metrics', over the truth's bigram reward.
  const expectation = (p: TabularSequencePolicy, reward: number): SentenceExpectation => {
    const s = statistics!(p);
    return { reward, valence: s.valence, positiveWords: s.positiveWords };
  };
  // π0's and π*'s half of the block: the instance's alone.
  const fixed = once("sentences/reference-and-optimal", () => {
    const pi0 = factoredGibbsPolicy(instance.problem, new Float64Array((V + 1) * V));
    const referenceMetrics = evaluateGibbsPolicy(instance.problem, instance.truth, pi0);
    const optimalMetrics = evaluateGibbsPolicy(instance.problem, instance.truth, instance.truth.optimalGibbs);
    return {
      referenceMetrics: exact(referenceMetrics),
      optimalMetrics: exact(optimalMetrics),
      reference: xs.map((x) => prompt(x, (rng) => sampleReferenceSequence(instance.problem, x, rng, y))),
      optimal: xs.map((x) => prompt(x, (rng) => sampleGibbsSequence(instance.truth.optimalGibbs, x, rng, y))),
      expected: statistics && {
        reference: expectation(gibbsSequencePolicy(pi0), referenceMetrics.trueReward),
        optimal: expectation(gibbsSequencePolicy(instance.truth.optimalGibbs), optimalMetrics.trueReward),
      },
    };
  });
  const expected = fixed.expected && {
    ...fixed.expected,
    ...(policy.kind === "sampler" ? {} : { policy: expectation(policy, exactReward(instance, policy)) }),
  };
  return {
    referenceMetrics: fixed.referenceMetrics,
    optimalMetrics: fixed.optimalMetrics,
    policy: xs.map((x) =>
      prompt(x, (rng) =>
        policy.kind === "sampler" ? policy.sample(x, 1, rng).responses : sampleFromPolicy(policy, x, rng, y),
      ),
    ),
    reference: fixed.reference,
    optimal: fixed.optimal,
    ...(expected ? { expected } : {}),
  };
}

const exactReward = (instance: SequenceInstance, policy: TabularSequencePolicy) =>
  policy.kind === "gibbs"
    ? evaluateGibbsPolicy(instance.problem, instance.truth, policy.gibbs).trueReward
    : evaluateMarkovPolicy(instance.problem, instance.truth, policy.markov).trueReward;
