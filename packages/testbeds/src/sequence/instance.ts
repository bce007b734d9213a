import type { Rng } from "@gsh/core";
import type {
  FactoredGibbsPolicy,
  MarkovPolicy,
  SequenceOracle,
  SequenceProblem,
  TabularSequencePolicy,
} from "@gsh/preference";

export interface SequenceMetrics {
  readonly objective: number;
  readonly subopt: number;
  readonly trueReward: number;
  readonly klToReference: number;
}

export interface SequenceTruth {
  readonly theta: Float64Array;
  /** b*(s, v) = <θ*, ψ(s, v)>/L. */
  readonly bigram: Float64Array;
  /** π* as a dense Markov table, X·L·(V+1)·V numbers: small problems and tests (T builds it only on access). */
  readonly optimal: MarkovPolicy;
  /** π* in factored form, any size: what the runner and the bounds use. */
  readonly optimalGibbs: FactoredGibbsPolicy;
  readonly logZ: Float64Array;
  /** J(π*) = η·E_x log Z(x). */
  readonly optimalObjective: number;
}

export interface SequenceInstance {
  readonly id: string;
  readonly version: number;
  readonly problem: SequenceProblem;
  readonly truth: SequenceTruth;
  makeOracle(rng: Rng): SequenceOracle;
  /** Responses as readable text with their mean word valence (text testbeds): what reports print. */
  describe?(x: number, y: ArrayLike<number>): { readonly text: string; readonly valence: number };
  /** Exact expectations per sentence under a Markov or factored Gibbs policy (text testbeds), by the DP. */
  sentenceStatistics?(policy: TabularSequencePolicy): SentenceStatistics;
}

/** Exact expectations per sentence under a policy, averaged over the prompts (by the DP's forward pass). */
export interface SentenceStatistics {
  /** E[tokens before `</s>`]. */
  readonly tokens: number;
  /** E[Σ_t AFINN(y_t)]: the sentence's AFINN-165 total (−5..5 per word). */
  readonly valence: number;
  /** E[number of words with a positive AFINN score]. */
  readonly positiveWords: number;
  /** E[number of `<unk>`] / E[tokens]: the share of unknown words (0 without `<unk>`). */
  readonly unknownShare: number;
}
