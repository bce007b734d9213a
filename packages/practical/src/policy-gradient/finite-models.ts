import type { Policy, Rng } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import { LogLinearPolicy, TabularPolicy } from "../policies";
import type { PolicyClass } from "../policy-factory";
import type { PolicyModel } from "./policy-model";

// The finite policy classes as policy-gradient models. Log-linear: π_w ∝ π0·exp(<w, φ>/η), whose score is
// ∇_w log π(a|x) = (φ(x,a) − E_{π(·|x)} φ)/η; tabular: logits log π0 + δ, whose score in context x is e_a − π(·|x).
// Both reuse the DPO learners' policies for the exact distribution, so a fitted parameter means the same thing.

/** A log-linear or tabular finite policy as a `PolicyModel` (a response is an action index). */
export function finitePolicyModel(problem: BanditProblem, policyClass: PolicyClass): PolicyModel<number> {
  return policyClass === "tabular" ? tabularModel(problem) : logLinearModel(problem);
}

function logLinearModel(problem: BanditProblem): PolicyModel<number> {
  const { contexts: X, actions: A, dim: d, eta } = problem;
  const phi = problem.features.values;
  const policy = new LogLinearPolicy(problem);
  const params = new Float64Array(d);
  const meanFeatures = new Float64Array(X * d);
  let probs: Float64Array = policy.distribution().probs;
  const refresh = () => {
    policy.setParameters(params);
    probs = policy.distribution().probs;
    meanFeatures.fill(0);
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++) {
        const p = probs[x * A + a];
        if (p === 0) continue;
        const o = (x * A + a) * d;
        for (let k = 0; k < d; k++) meanFeatures[x * d + k] += p * phi[o + k];
      }
  };
  refresh();
  const addSequenceScore = (x: number, a: number, c: number, grad: Float64Array) => {
    if (c === 0) return;
    const o = (x * A + a) * d;
    const s = c / eta;
    for (let k = 0; k < d; k++) grad[k] += s * (phi[o + k] - meanFeatures[x * d + k]);
  };
  return {
    ...common(problem, () => probs),
    size: d,
    params,
    refresh,
    addSequenceScore,
    addTokenScores: (x, a, c, grad) => addSequenceScore(x, a, c[0], grad),
    output: () => policy.distribution(),
  };
}

function tabularModel(problem: BanditProblem): PolicyModel<number> {
  const { contexts: X, actions: A } = problem;
  const policy = new TabularPolicy(problem);
  const params = new Float64Array(X * A);
  let probs: Float64Array = policy.distribution().probs;
  const refresh = () => {
    policy.setParameters(params);
    probs = policy.distribution().probs;
  };
  const addSequenceScore = (x: number, a: number, c: number, grad: Float64Array) => {
    if (c === 0) return;
    const o = x * A;
    for (let b = 0; b < A; b++) grad[o + b] -= c * probs[o + b];
    grad[o + a] += c;
  };
  return {
    ...common(problem, () => probs),
    size: X * A,
    params,
    refresh,
    addSequenceScore,
    addTokenScores: (x, a, c, grad) => addSequenceScore(x, a, c[0], grad),
    output: (): Policy => policy.distribution(),
  };
}

function common(problem: BanditProblem, probs: () => Float64Array) {
  const A = problem.actions;
  const p0 = problem.reference.probs;
  return {
    kind: "finite" as const,
    maxLength: 1,
    newResponse: () => 0,
    sample: (x: number, rng: Rng) => rng.categorical(probs(), x * A, A),
    tokenLogProbs(x: number, a: number, logp: Float64Array, logp0: Float64Array) {
      logp[0] = Math.log(probs()[x * A + a]);
      logp0[0] = Math.log(p0[x * A + a]);
      return 1;
    },
  };
}
