import type { Policy } from "@gsh/core";
import type { PreferenceDataset } from "./dataset";

// Coverage of a finite-action preference dataset, the quantity offline guarantees are stated in: how well the data's
// sampling distribution μ covers a target policy (single-policy concentrability max π/μ, and the χ² version
// E_π[π/μ] = 1 + χ²(π‖μ) that χ²PO's guarantee uses), and what the data actually touched: the mass a policy puts on
// responses that appear in no record of their prompt. All exact, by sums over the X·A table.

/** Coverage of one policy by a dataset and its sampling distribution. */
export interface PolicyCoverage {
  /** max over prompts with d0(x) > 0 and responses of π(a|x)/μ(a|x) (∞ where π has mass μ lacks). */
  readonly maxDensityRatio: number;
  /** E_x Σ_a π(a|x)²/μ(a|x) = 1 + E_x χ²(π‖μ) (∞ where π has mass μ lacks). */
  readonly chi2Coverage: number;
  /** E_x Σ_{a in no record of x} π(a|x): the mass on responses no query touched. */
  readonly unseenMass: number;
}

/** Which (x, a) appear in some record of the dataset (as either response), X·A. */
export function touchedResponses(data: PreferenceDataset, contexts: number, actions: number): Uint8Array {
  const seen = new Uint8Array(contexts * actions);
  const xs = data.context,
    a1 = data.first,
    a2 = data.second;
  for (let i = 0; i < data.size; i++) {
    seen[xs[i] * actions + a1[i]] = 1;
    seen[xs[i] * actions + a2[i]] = 1;
  }
  return seen;
}

/**
 * The coverage of `policy` by data sampled from `sampling` (the per-response behaviour distribution μ; both responses
 * of a record are drawn from it), with `seen` from `touchedResponses` and prompt weights d0.
 */
export function policyCoverage(
  policy: Policy,
  sampling: Policy,
  seen: Uint8Array,
  contextWeights: ArrayLike<number>,
): PolicyCoverage {
  const { contexts: X, actions: A } = policy;
  if (sampling.contexts !== X || sampling.actions !== A || seen.length !== X * A)
    throw new RangeError(`coverage: policy ${X}×${A}, sampling ${sampling.contexts}×${sampling.actions}`);
  let maxRatio = 0;
  let chi2 = 0;
  let unseen = 0;
  for (let x = 0; x < X; x++) {
    const w = contextWeights[x];
    if (!(w > 0)) continue;
    for (let a = 0; a < A; a++) {
      const i = x * A + a;
      const p = policy.probs[i];
      if (p === 0) continue;
      const mu = sampling.probs[i];
      const ratio = mu > 0 ? p / mu : Infinity;
      if (ratio > maxRatio) maxRatio = ratio;
      chi2 += w * p * ratio;
      if (!seen[i]) unseen += w * p;
    }
  }
  return { maxDensityRatio: maxRatio, chi2Coverage: chi2, unseenMass: unseen };
}
