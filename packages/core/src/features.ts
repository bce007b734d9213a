import { assertDims } from "./errors";
import { gemv } from "./blas-reference";
import { type Policy, uniformWeights } from "./policy";

/** Features φ(x, a) ∈ R^dim for X contexts × A actions: `values[((x * actions) + a) * dim + k]`. */
export interface FeatureMap {
  readonly contexts: number;
  readonly actions: number;
  readonly dim: number;
  readonly values: Float64Array;
}

/** r(x, a) = <θ, φ(x, a)> for every (x, a), as an X×A row-major array. */
export function linearReward(features: FeatureMap, theta: Float64Array, out?: Float64Array): Float64Array {
  assertDims(theta.length === features.dim, `θ has ${theta.length} entries, features have dim ${features.dim}`);
  return gemv(features.values, features.contexts * features.actions, features.dim, theta, out);
}

/** φ(x, π) = E_{a~π(·|x)} φ(x, a) for every context: an X×dim array. */
export function expectedFeatures(pi: Policy, features: FeatureMap): Float64Array {
  assertDims(
    pi.contexts === features.contexts && pi.actions === features.actions,
    `policy ${pi.contexts}×${pi.actions} vs features ${features.contexts}×${features.actions}`,
  );
  const { contexts: X, actions: A, dim: d, values } = features;
  const out = new Float64Array(X * d);
  for (let x = 0; x < X; x++) {
    const o = x * d;
    for (let a = 0; a < A; a++) {
      const p = pi.probs[x * A + a];
      if (p === 0) continue;
      const f = (x * A + a) * d;
      for (let k = 0; k < d; k++) out[o + k] += p * values[f + k];
    }
  }
  return out;
}

/** E_{x~d0} φ(x, π): a dim-vector. */
export function meanExpectedFeatures(
  pi: Policy,
  features: FeatureMap,
  weights = uniformWeights(pi.contexts),
): Float64Array {
  const per = expectedFeatures(pi, features);
  const d = features.dim;
  const out = new Float64Array(d);
  for (let x = 0; x < pi.contexts; x++) {
    const w = weights[x];
    for (let k = 0; k < d; k++) out[k] += w * per[x * d + k];
  }
  return out;
}
