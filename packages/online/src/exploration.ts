import {
  type Policy,
  rowSamplers,
  type Rng,
  linearReward,
  uniformPolicy,
  GshException,
  invalidArgument,
} from "@gsh/core";
import { type BanditProblem, type Covariance, finiteGibbsFamily, selectPair } from "@gsh/preference";
import { type EnhancerOptions, enhancer } from "./enhancer";
import { bootstrapPosteriorRule, laplacePosteriorRule } from "./posterior-sampling";
import { fromPolicies } from "./rule-helpers";
import { xpoRule } from "./xpo";
import { vpoRule } from "./vpo";
import { activeLearningRule } from "./active-learning";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/** What an exploration rule knows at iteration t: the main agent and the design so far. Never the truth. */
export interface ExplorationState {
  readonly problem: BanditProblem;
  /** θ̂_t, the MLE on all data so far. */
  readonly theta: Float64Array;
  /** π¹_t, the Gibbs policy of θ̂_t. */
  readonly main: Policy;
  readonly covariance: Covariance;
  readonly beta: number;
  readonly rng: Rng;
  /** The Hessian λI + Σ σ′(<θ̂, z_i>) z_i z_iᵀ of the penalised BT loss at θ̂ on all data so far, formed on demand. */
  readonly hessian?: () => Float64Array;
  /** The rows z_i = φ(winner) − φ(loser) of all data so far (n × d) and the ridge λ of the fits, formed on demand. */
  readonly data?: () => { readonly z: Float64Array; readonly size: number; readonly lambda: number };
}

/** How pairs are drawn in one batch, with what the rule can report about itself. */
export interface PairPlan {
  /** Draws (a¹, a²) for context x. */
  sample(x: number, rng: Rng): [number, number];
  /** Γ(π¹_t, π²_t) when the rule computes it (the enhancer). */
  readonly gamma?: number;
  /** E_x KL(π²_t ‖ π¹_t) of the enhancer. */
  readonly klToMain?: number;
  /** Pairs whose two candidates tied under the current estimate (best-vs-worst); they are still queried. */
  degenerate(): number;
}

export type ExplorationRule = (state: ExplorationState) => PairPlan;

/** The enhancer rule: a¹ ~ π¹_t (main agent), a² ~ π²_t (enhancer). */
export function enhancerRule(options: EnhancerOptions = {}): ExplorationRule {
  return (s) => {
    const family = finiteGibbsFamily(s.problem);
    const e = enhancer(family, s.theta, s.covariance, s.beta, s.rng.split("enhancer"), options);
    return fromPolicies(s.main, family.policyOf(e.theta), { gamma: e.gamma, klToMain: e.klToMain });
  };
}

/** Both actions from the main agent (on-policy pairs). */
export const onPolicyRule: ExplorationRule = (s) => fromPolicies(s.main, s.main);

/** a¹ ~ π¹_t, a² ~ π0: the hybrid setting's pair when the offline data are diverse. */
export const referenceRule: ExplorationRule = (s) => fromPolicies(s.main, s.problem.reference);

/** Uniformly random pairs (an oracle-ish baseline LLM practice cannot use). */
export const uniformRule: ExplorationRule = (s) => {
  const u = uniformPolicy(s.problem.contexts, s.problem.actions);
  return fromPolicies(u, u);
};

/**
 * n samples from π¹_t, scored by the current estimate <θ̂_t, φ>, paired best-vs-worst by the shared `selectPair`
 * (ties broken at random). A pair whose candidates all tie is counted as degenerate and the first two samples are used.
 */
export function bestVsWorstRule(n = 8): ExplorationRule {
  if (!(Number.isInteger(n) && n >= 2))
    throw new GshException(invalidArgument("bestOfN", `best-vs-worst needs n ≥ 2 samples, got ${n}`));
  return (s) => {
    const A = s.problem.actions;
    const scores = linearReward(s.problem.features, s.theta);
    const tables = rowSamplers(s.main.probs, s.problem.contexts, A);
    const cand = new Int32Array(n);
    const sc = new Float64Array(n);
    let degenerate = 0;
    return {
      sample(x, rng) {
        for (let i = 0; i < n; i++) {
          cand[i] = tables[x].sample(rng);
          sc[i] = scores[x * A + cand[i]];
        }
        const p = selectPair(sc, "max-min", rng);
        if (p === null) {
          degenerate++;
          return [cand[0], cand[1]];
        }
        return [cand[p[0]], cand[p[1]]];
      },
      degenerate: () => degenerate,
    };
  };
}

export type ExplorationName =
  | "enhancer"
  | "on-policy"
  | "reference"
  | "uniform"
  | "best-vs-worst"
  | "posterior-laplace"
  | "posterior-bootstrap"
  | "xpo"
  | "vpo"
  | "active-learning";

export function explorationRule(
  name: ExplorationName,
  options: EnhancerOptions & { bestOfN?: number } = {},
): ExplorationRule {
  switch (name) {
    case "enhancer":
      return enhancerRule(options);
    case "on-policy":
      return onPolicyRule;
    case "reference":
      return referenceRule;
    case "uniform":
      return uniformRule;
    case "best-vs-worst":
      return bestVsWorstRule(options.bestOfN ?? 8);
    case "posterior-laplace":
      return laplacePosteriorRule;
    case "posterior-bootstrap":
      return bootstrapPosteriorRule;
    case "xpo":
      return xpoRule;
    case "vpo":
      return vpoRule;
    case "active-learning":
      return activeLearningRule;
  }
}
