import { type Policy, Rng, sigmoid, softmaxInto, uniformWeights } from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "@gsh/preference";
import { countedOracle, outsideTable } from "../oracle";
import { unitBallFeatures } from "./linear-bandit";
import { DEFAULT_ETA } from "../defaults";

/**
 * A non-transitive preference over a few actions: P(a ≻ b | x) = σ(s(x,a) − s(x,b) + κ·C(a,b)), C skew-symmetric with
 * a cycle (C(a, a+1) = +1 around the ring), so for κ large enough a ≻ b ≻ c ≻ a and no reward r* reproduces the
 * preferences. There is no J or SubOpt here; a policy is scored by its win rate against π0 and against π0's most
 * likely action.
 */
export interface NonTransitiveInstance {
  readonly id: string;
  readonly version: number;
  readonly problem: BanditProblem;
  /** P(a ≻ b | x), X × A × A. */
  readonly preference: Float64Array;
  makeOracle(rng: Rng): PreferenceOracle;
}

export function nonTransitiveBandit(
  seed: number,
  params: { contexts?: number; actions?: number; dim?: number; kappa?: number; eta?: number } = {},
): NonTransitiveInstance {
  const X = params.contexts ?? 10;
  const A = params.actions ?? 5;
  const d = params.dim ?? 4;
  const kappa = params.kappa ?? 3;
  const rng = Rng.seeded(seed).split("testbed/non-transitive/v1");
  const features = unitBallFeatures(rng.split("features"), X, A, d);
  const s = new Float64Array(X * A);
  const sr = rng.split("scores");
  for (let i = 0; i < X * A; i++) s[i] = 0.5 * sr.normal();
  const probs = new Float64Array(X * A);
  const g = new Float64Array(A);
  const pr = rng.split("reference");
  for (let x = 0; x < X; x++) {
    for (let a = 0; a < A; a++) g[a] = pr.normal();
    softmaxInto(g, probs.subarray(x * A, (x + 1) * A), 0, A);
  }
  const P = new Float64Array(X * A * A);
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++)
      for (let b = 0; b < A; b++) {
        const c = (b - a + A) % A === 1 ? 1 : (a - b + A) % A === 1 ? -1 : 0;
        P[(x * A + a) * A + b] = a === b ? 0.5 : sigmoid(s[x * A + a] - s[x * A + b] + kappa * c);
      }
  const problem: BanditProblem = {
    contexts: X,
    actions: A,
    dim: d,
    features,
    reference: { contexts: X, actions: A, probs },
    contextWeights: uniformWeights(X),
    eta: params.eta ?? DEFAULT_ETA,
    normBound: 3,
  };
  return {
    id: "non-transitive",
    version: 1,
    problem,
    preference: P,
    makeOracle: (orng) =>
      countedOracle(outsideTable(X, A), (x, a1, a2) => (orng.uniform() < P[(x * A + a1) * A + a2] ? 1 : 0)),
  };
}

/** E_x Σ_{a,b} π(a|x)·q(b|x)·P(a ≻ b | x): how often π's response beats q's. */
export function winRate(instance: NonTransitiveInstance, pi: Policy, against: Policy): number {
  const { contexts: X, actions: A, contextWeights: w } = instance.problem;
  let s = 0;
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++)
      for (let b = 0; b < A; b++)
        s += w[x] * pi.probs[x * A + a] * against.probs[x * A + b] * instance.preference[(x * A + a) * A + b];
  return s;
}

/** The point mass on π0's most likely action in each context (the "best action of π0" baseline). */
export function referenceModePolicy(problem: BanditProblem): Policy {
  const { contexts: X, actions: A } = problem;
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    let best = 0;
    for (let a = 1; a < A; a++)
      if (problem.reference.probs[x * A + a] > problem.reference.probs[x * A + best]) best = a;
    probs[x * A + best] = 1;
  }
  return { contexts: X, actions: A, probs };
}
