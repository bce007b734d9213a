import type { Rng } from "@gsh/core";
import type { Covariance } from "@gsh/preference";
import type { ExplorationWorld, ResponseSampler } from "./world";

// The contract between online GSHF and an exploration rule, for every environment kind; the built-in rules are in
// their own files and the registry naming them is `rules.ts`.

/** What an exploration rule knows at iteration t: the main agent and the design so far. Never the truth. */
export interface ExplorationState<R> {
  /** The environment kind: its Gibbs family, samplers of members' responses, features of a response. */
  readonly world: ExplorationWorld<R>;
  /** θ̂_t, the MLE on all data so far. */
  readonly theta: Float64Array;
  /** π¹_t, the Gibbs-family member of θ̂_t (its responses' sampler). */
  readonly main: ResponseSampler<R>;
  readonly covariance: Covariance;
  readonly beta: number;
  readonly rng: Rng;
  /** The Hessian λI + Σ σ′(<θ̂, z_i>) z_i z_iᵀ of the penalised BT loss at θ̂ on all data so far, formed on demand. */
  readonly hessian?: () => Float64Array;
  /** The rows z_i = φ(winner) − φ(loser) of all data so far (n × d) and the ridge λ of the fits, formed on demand. */
  readonly data?: () => { readonly z: Float64Array; readonly size: number; readonly lambda: number };
}

/** How pairs are drawn in one batch, with what the rule can report about itself. */
export interface PairPlan<R> {
  /** The context of the next query where the rule chooses it (APO picks (x, y¹, y²) together); absent: x ~ d0. */
  context?(rng: Rng): number;
  /** Draws (y¹, y²) for context x (they may be the plan's buffers, read before the next draw). */
  sample(x: number, rng: Rng): [R, R];
  /** Γ(π¹_t, π²_t) when the rule computes it (the enhancer). */
  readonly gamma?: number;
  /** E_x KL(π²_t ‖ π¹_t) of the enhancer. */
  readonly klToMain?: number;
  /** Pairs whose two candidates tied under the current estimate (best-vs-worst); they are still queried. */
  degenerate(): number;
}

/** An exploration rule, written once for every kind: a response R is an action or a token sequence. */
export type ExplorationRule = <R>(state: ExplorationState<R>) => PairPlan<R>;
