import type { Rng } from "@gsh/core";
import type { FactoredGibbsPolicy, MarkovPolicy, SequenceOracle, SequenceProblem } from "@gsh/preference";

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
}
