import type { Rng } from "@gsh/core";

/**
 * The sequence bandit: a response is y = (y₁..y_L) over V tokens (Vᴸ responses), y₀ = the start symbol V.
 * π0 is a bigram model per prompt and φ(x, y) = (1/L)·Σ_t ψ(y_{t−1}, y_t), so every reward linear in φ is a sum
 * over positions of a bigram term b(s, v) = <θ, ψ(s, v)>/L, and its Gibbs policy is again Markov: log Z, J, KL
 * and exact samples come from one backward pass, O(L·V²) per prompt.
 */
export interface SequenceProblem {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly dim: number;
  /** π0(v | x, s): prompts × (V+1) × V, s = V is the start symbol. */
  readonly reference: Float64Array;
  /** ψ(s, v) ∈ R^d: (V+1) × V × d. */
  readonly psi: Float64Array;
  readonly contextWeights: Float64Array;
  readonly eta: number;
  readonly normBound: number;
}

/**
 * A Markov policy that may depend on the position: probs[((x·L + t)·(V+1) + s)·V + v] = π(y_{t+1} = v | x, t, y_t = s)
 * for t = 0..L−1. This class holds every policy the DP can evaluate exactly.
 */
export interface MarkovPolicy {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly probs: Float64Array;
}

/** Entries per (prompt, position) block of a Markov table: (V+1)·V. */
export const stride = (p: { vocab: number }) => (p.vocab + 1) * p.vocab;

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
  readonly optimal: MarkovPolicy;
  readonly logZ: Float64Array;
  /** J(π*) = η·E_x log Z(x). */
  readonly optimalObjective: number;
}

/** A counted preference oracle over responses. */
export interface SequenceOracle {
  query(x: number, y1: ArrayLike<number>, y2: ArrayLike<number>): 0 | 1;
  readonly queries: number;
}

export interface SequenceInstance {
  readonly id: string;
  readonly version: number;
  readonly problem: SequenceProblem;
  readonly truth: SequenceTruth;
  makeOracle(rng: Rng): SequenceOracle;
}
