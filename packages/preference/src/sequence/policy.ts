import type { Rng } from "@gsh/core";
import { type MarkovPolicy, type SequenceProblem, stride } from "./problem";
import { sampleSequence, sequenceLogProb } from "./sampler";
import { type FactoredGibbsPolicy, gibbsSequenceLogProb, sampleGibbsSequence } from "./gibbs-policy";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Responses per prompt above which a sequence policy is not enumerated (Vᴸ; S's default 8⁶ is at the limit). */
export const ENUMERATION_LIMIT = 2 ** 18;

/**
 * A policy over sequences, in one of the three forms the environment can score:
 * - `markov`: a (position-dependent) Markov table, scored exactly by the DP;
 * - `gibbs`: a Gibbs policy π0·e^{Σb/η} in factored form (kernel and backward messages), scored exactly by the DP's
 *   identities: the form for every Gibbs-family member (MLE-Gibbs, Option I, online main agents and tilts);
 * - `enumerated`: log π(y|x) for every response (X × Vᴸ in `enumerateResponses` order), scored exactly by
 *   enumeration (Option II's non-Markov pessimistic policy; only up to `ENUMERATION_LIMIT` responses per prompt);
 * - `sampler`: any autoregressive model that can draw responses and report their log-probabilities (full-prefix
 *   neural policies). Its KL and SubOpt are unbiased Monte-Carlo means, since log π*(y) is exact per sequence.
 */
export type SequencePolicy =
  | { readonly kind: "markov"; readonly markov: MarkovPolicy }
  | { readonly kind: "gibbs"; readonly gibbs: FactoredGibbsPolicy }
  | {
      readonly kind: "enumerated";
      readonly prompts: number;
      readonly vocab: number;
      readonly length: number;
      readonly logProbs: Float64Array;
    }
  | {
      readonly kind: "sampler";
      readonly prompts: number;
      /** n responses for prompt x (n×L, row-major) with log π(y|x) of each. */
      sample(x: number, n: number, rng: Rng): { readonly responses: Int32Array; readonly logProbs: Float64Array };
    };

export const markovSequencePolicy = (markov: MarkovPolicy): Extract<SequencePolicy, { kind: "markov" }> => ({
  kind: "markov",
  markov,
});
export const gibbsSequencePolicy = (gibbs: FactoredGibbsPolicy): Extract<SequencePolicy, { kind: "gibbs" }> => ({
  kind: "gibbs",
  gibbs,
});

/** A policy the learners can both sample from and score exactly: a Markov table or a factored Gibbs policy. */
export type TabularSequencePolicy = Extract<SequencePolicy, { kind: "markov" | "gibbs" }>;

/** One exact draw y ~ π(·|x) from a Markov table or a factored Gibbs policy. */
export function sampleFromPolicy(policy: TabularSequencePolicy, x: number, rng: Rng, out: Int32Array): Int32Array {
  return policy.kind === "markov"
    ? sampleSequence(policy.markov, x, rng, out)
    : sampleGibbsSequence(policy.gibbs, x, rng, out);
}

/** log π(y|x) of a Markov table or a factored Gibbs policy. */
export function policyLogProb(
  problem: SequenceProblem,
  policy: TabularSequencePolicy,
  x: number,
  y: ArrayLike<number>,
): number {
  return policy.kind === "markov"
    ? sequenceLogProb(policy.markov, x, y)
    : gibbsSequenceLogProb(problem, policy.gibbs, x, y);
}

/** A Markov policy seen as a sampler (for tests of the Monte-Carlo path against the exact DP). */
export function markovAsSampler(markov: MarkovPolicy): SequencePolicy {
  const { length: L, vocab: V } = markov;
  const S = stride(markov);
  return {
    kind: "sampler",
    prompts: markov.prompts,
    sample(x, n, rng) {
      const responses = new Int32Array(n * L);
      const logProbs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = V;
        for (let t = 0; t < L; t++) {
          const o = (x * L + t) * S + s * V;
          const v = rng.categorical(markov.probs, o, V);
          logProbs[i] += Math.log(markov.probs[o + v]);
          responses[i * L + t] = v;
          s = v;
        }
      }
      return { responses, logProbs };
    },
  };
}
