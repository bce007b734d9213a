import type { Oracle } from "../environments/oracle";

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
  /** π0(v | x, s), s = V the start symbol: row `referenceRow(problem, x, s)` of V entries (see `referenceLayout`). */
  readonly reference: Float64Array;
  /**
   * How `reference` is laid out. "per-prompt" (the default): X·(V+1) rows, every prompt its own bigram model.
   * "shared": one bigram model whose prompt only sets the first state (a text prompt is its first word), so V rows
   * shared by all prompts plus one start row per prompt, V + X rows; the DP then runs its backward pass once for
   * all prompts, and nothing of size X·(V+1)·V is ever formed.
   */
  readonly referenceLayout?: ReferenceLayout;
  /** ψ(s, v) ∈ R^d: (V+1) × V × d. */
  readonly psi: Float64Array;
  /**
   * Optional factorisation of ψ, ψ(s, v) = word(v) + [s = v]·same(v) (s = V, the start, never equals v), V×d each:
   * features of the next token plus a repeat term, as in the text testbed. When present it must agree with `psi`;
   * the shared-π0 DP then runs its contractions as matrix products.
   */
  readonly featureFactors?: { readonly word: Float64Array; readonly same: Float64Array };
  readonly contextWeights: Float64Array;
  readonly eta: number;
  readonly normBound: number;
}

export type ReferenceLayout = "per-prompt" | "shared";

/** Rows of the π0 table: X·(V+1), or V + X when shared. */
export const referenceRows = (p: Pick<SequenceProblem, "prompts" | "vocab" | "referenceLayout">) =>
  p.referenceLayout === "shared" ? p.vocab + p.prompts : p.prompts * (p.vocab + 1);

/** The row of π0(·|x, s) in `reference` (multiply by V for its offset). */
export const referenceRow = (
  p: Pick<SequenceProblem, "prompts" | "vocab" | "referenceLayout">,
  x: number,
  s: number,
): number => (p.referenceLayout === "shared" ? (s < p.vocab ? s : p.vocab + x) : x * (p.vocab + 1) + s);

/** log π0(v | x, s) for one prompt as a (V+1)·V table (s = V the start row). */
export function referenceLogTable(
  p: Pick<SequenceProblem, "prompts" | "vocab" | "referenceLayout" | "reference">,
  x: number,
  out = new Float64Array((p.vocab + 1) * p.vocab),
): Float64Array {
  const V = p.vocab;
  for (let s = 0; s <= V; s++) {
    const o = referenceRow(p, x, s) * V;
    for (let v = 0; v < V; v++) out[s * V + v] = Math.log(p.reference[o + v]);
  }
  return out;
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

/** A counted preference oracle over responses. */
export type SequenceOracle = Oracle<ArrayLike<number>>;
