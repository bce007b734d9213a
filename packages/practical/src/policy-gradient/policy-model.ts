import type { Policy, Rng } from "@gsh/core";
import type { SequencePolicy } from "@gsh/preference";

/**
 * What the policy-gradient loop and the exact audit need of a policy class: flat parameters, exact draws, per-token
 * log-probabilities (of the policy and of π0) and the score ∇log π of each token. A finite response is one token; a
 * sequence response has L tokens, of which the first `length` were drawn from states where π0 had a choice (on T,
 * the tokens up to and including the first `</s>`; every response of S has length L).
 */
export interface PolicyModel<R> {
  readonly kind: "finite" | "sequence";
  /** Tokens per response (1 on finite environments). */
  readonly maxLength: number;
  /** Number of parameters. */
  readonly size: number;
  /** The live parameters: write them, then call `refresh()`. */
  readonly params: Float64Array;
  /** Recomputes what depends on the parameters (the exact distribution, its messages). */
  refresh(): void;
  /** A fresh response buffer. */
  newResponse(): R;
  /** y ~ π(·|x) into `out` (a sequence buffer; ignored on finite environments, where the action is returned). */
  sample(x: number, rng: Rng, out: R): R;
  /** log π(y_t|x, y_<t) and log π0(y_t|x, y_<t) per token into `logp`/`logp0`; returns the response's length. */
  tokenLogProbs(x: number, y: R, logp: Float64Array, logp0: Float64Array): number;
  /** grad += Σ_t c[t]·∇log π(y_t | x, y_<t). */
  addTokenScores(x: number, y: R, c: ArrayLike<number>, grad: Float64Array): void;
  /** grad += c·∇log π(y | x) (the sum of the token scores, cheaper where the class allows). */
  addSequenceScore(x: number, y: R, c: number, grad: Float64Array): void;
  /** The current policy as the environment scores it. */
  output(): Policy | SequencePolicy;
}
