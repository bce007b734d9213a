import type { Policy } from "@gsh/core";
import { type Objective, type OptimizeOptions, type OptimizeResult, lbfgs } from "./optimizers";
import type { PairBatch } from "./pairs-data";
import type { TrainablePolicy } from "./policies";

// Objectives that read the policy's normalised log-probabilities log π(a|x) themselves (an SFT term, χ²PO's link
// z + log z with z = π/π0, KTO's value of log π/π0 against a reference point), not only the pairwise margin that
// cancels the normaliser, as the DPO family does. Each such objective writes ∂L/∂log π(a|x) into an X×A table; this
// file turns that table into the gradient in the parameters of the f64 finite policies and trains them.

/**
 * An objective of the finite policy π: returns L(π) and adds ∂L/∂log π(a|x) into `dLogProb` (X·A, zeroed by the
 * caller), treating every log π(a|x) as a free variable (the chain rule through the normaliser is applied after).
 */
export type LogProbObjective = (pi: Policy, dLogProb: Float64Array) => number;

/** Oriented pairs with multiplicities, as the objectives read them (a `PairBatch`, or population weights in tests). */
export type WeightedPairs = Pick<PairBatch, "size" | "contexts" | "chosen" | "rejected" | "weights">;

/**
 * Each pair's flat indices and log-ratios log π/π0 of its chosen and rejected responses, for the pairwise objectives
 * (χ²PO, DPO + SFT) to read in their own loops.
 */
export function pairLogRatios(pairs: WeightedPairs, pi: Policy, reference: Policy) {
  const A = reference.actions;
  const n = pairs.size;
  const chosen = new Int32Array(n),
    rejected = new Int32Array(n),
    chosenRatio = new Float64Array(n),
    rejectedRatio = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = pairs.contexts[i];
    chosen[i] = x * A + pairs.chosen[i];
    rejected[i] = x * A + pairs.rejected[i];
    chosenRatio[i] = Math.log(pi.probs[chosen[i]]) - Math.log(reference.probs[chosen[i]]);
    rejectedRatio[i] = Math.log(pi.probs[rejected[i]]) - Math.log(reference.probs[rejected[i]]);
  }
  return { chosen, rejected, chosenRatio, rejectedRatio };
}

/**
 * Adds Σ_{x,a} C(x,a)·∇_params log π(a|x) into `grad`: for the log-linear policy π_w ∝ π0·exp(<w, φ>/η),
 * ∇_w log π(a|x) = (φ(x,a) − φ(x,π))/η; for the tabular one, ∂ log π(a|x)/∂δ(x,b) = 1[a = b] − π(b|x).
 */
export function addLogProbGradient(model: TrainablePolicy, pi: Policy, C: Float64Array, grad: Float64Array): void {
  const { contexts: X, actions: A } = pi;
  const probs = pi.probs;
  if (model.kind === "tabular") {
    for (let x = 0; x < X; x++) {
      let total = 0;
      for (let a = 0; a < A; a++) total += C[x * A + a];
      for (let a = 0; a < A; a++) grad[x * A + a] += C[x * A + a] - total * probs[x * A + a];
    }
    return;
  }
  if (model.kind !== "log-linear") throw new RangeError(`no log-probability gradient for a '${model.kind}' policy`);
  const { features, dim: d, eta } = model.problem;
  const v = features.values;
  for (let x = 0; x < X; x++) {
    let total = 0;
    for (let a = 0; a < A; a++) total += C[x * A + a];
    for (let a = 0; a < A; a++) {
      const c = (C[x * A + a] - total * probs[x * A + a]) / eta;
      if (c === 0) continue;
      const o = (x * A + a) * d;
      for (let k = 0; k < d; k++) grad[k] += c * v[o + k];
    }
  }
}

/** L(π_params) + (l2/2)‖params‖² and its gradient, for an objective written on log-probabilities. */
export function logProbObjectiveValue(
  model: TrainablePolicy,
  objective: LogProbObjective,
  l2: number,
  params: Float64Array,
  grad: Float64Array | null,
): number {
  model.setParameters(params);
  const pi = model.distribution();
  const C = new Float64Array(pi.contexts * pi.actions);
  let value = objective(pi, C);
  let ridge = 0;
  for (let k = 0; k < params.length; k++) ridge += params[k] * params[k];
  value += 0.5 * l2 * ridge;
  if (grad) {
    for (let k = 0; k < params.length; k++) grad[k] = l2 * params[k];
    addLogProbGradient(model, pi, C, grad);
  }
  return value;
}

/**
 * L-BFGS with each step kept within `maxStep` (Euclidean, default 1) of the last iterate: a trial point farther away
 * reads as +∞, so the line search cuts the step back. The KTO and χ²PO losses saturate (σ of a large argument, or a
 * binding clip, leaves a flat region with a vanishing gradient), and an unrestricted quasi-Newton step can land on
 * such a plateau and stop there as "converged" (seen on a two-action KTO, where it stopped at p = 1 − 1e-13 instead of
 * the interior minimum).
 */
export function lbfgsWithinSteps(
  f: Objective,
  init: Float64Array,
  options: Omit<OptimizeOptions, "learningRate"> & { readonly maxStep?: number } = {},
): OptimizeResult {
  const maxStep = options.maxStep ?? 1;
  const anchor = Float64Array.from(init);
  const bounded = (p: Float64Array, g: Float64Array) => {
    let d2 = 0;
    for (let k = 0; k < p.length; k++) d2 += (p[k] - anchor[k]) ** 2;
    if (d2 > maxStep * maxStep) {
      g.fill(NaN);
      return Infinity;
    }
    return f(p, g);
  };
  return lbfgs(bounded, Float64Array.from(init), {
    ...options,
    onStep: (step, params, value) => {
      anchor.set(params);
      options.onStep?.(step, params, value);
    },
  });
}

/**
 * Minimises L(π) + (l2/2)‖params‖² by `lbfgsWithinSteps` from the model's current parameters (a warm start) and
 * leaves the model at the result.
 */
export function fitLogProbObjective(
  model: TrainablePolicy,
  objective: LogProbObjective,
  l2: number,
  options: Omit<OptimizeOptions, "learningRate"> & { readonly maxStep?: number } = {},
): OptimizeResult {
  const r = lbfgsWithinSteps(
    (p, g) => logProbObjectiveValue(model, objective, l2, p, g),
    model.getParameters(),
    options,
  );
  model.setParameters(r.params);
  return r;
}
