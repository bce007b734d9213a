import type { Policy } from "@gsh/core";
import type { PreferenceDataset } from "./dataset";
import type { MarkovRows } from "../sequence/dp";

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

/**
 * Coverage of a Markov sequence policy π (position-dependent bigram rows: a Markov table's, or a factored Gibbs
 * policy's through `gibbsRows`) by data whose responses were drawn from the Markov policy μ, on prompts with weights
 * d0, exactly by passes over the L positions: max π/μ by a max-product (Viterbi) pass, E_π[π/μ] by a forward pass of
 * π²/μ, and 1 minus the mass on the distinct responses `seen[x]` of each prompt.
 */
export function markovSequenceCoverage(
  policy: MarkovRows,
  sampling: MarkovRows,
  seen: readonly (readonly Int32Array[])[],
  contextWeights: ArrayLike<number>,
): PolicyCoverage {
  const { prompts: X, vocab: V, length: L } = policy;
  let maxRatio = 0,
    chi2 = 0,
    unseen = 0;
  const best = new Float64Array(V + 1),
    nextBest = new Float64Array(V + 1),
    mass = new Float64Array(V + 1),
    nextMass = new Float64Array(V + 1);
  for (let x = 0; x < X; x++) {
    const w = contextWeights[x];
    if (!(w > 0)) continue;
    // best[s]: log of the largest ratio π/μ of a prefix ending in s; mass[s]: Σ over those prefixes of π²/μ
    best.fill(-Infinity);
    mass.fill(0);
    best[V] = 0; // the start symbol
    mass[V] = 1;
    for (let t = 0; t < L; t++) {
      nextBest.fill(-Infinity);
      nextMass.fill(0);
      for (let s = 0; s <= V; s++) {
        if (best[s] === -Infinity) continue;
        const p = policy.row(x, t, s),
          mu = sampling.row(x, t, s);
        for (let v = 0; v < V; v++) {
          if (p[v] === 0) continue;
          const lr = mu[v] > 0 ? Math.log(p[v]) - Math.log(mu[v]) : Infinity;
          if (best[s] + lr > nextBest[v]) nextBest[v] = best[s] + lr;
          nextMass[v] += mass[s] * (mu[v] > 0 ? (p[v] * p[v]) / mu[v] : Infinity);
        }
      }
      best.set(nextBest);
      mass.set(nextMass);
    }
    let m = -Infinity,
      c = 0;
    for (let v = 0; v < V; v++) {
      if (best[v] > m) m = best[v];
      c += mass[v];
    }
    maxRatio = Math.max(maxRatio, Math.exp(m));
    chi2 += w * c;
    let seenMass = 0;
    for (const y of seen[x]) {
      let lp = 0,
        s = V;
      for (let t = 0; t < L; t++) {
        lp += Math.log(policy.row(x, t, s)[y[t]]);
        s = y[t];
      }
      seenMass += Math.exp(lp);
    }
    unseen += w * Math.max(0, 1 - seenMass);
  }
  return { maxDensityRatio: maxRatio, chi2Coverage: chi2, unseenMass: unseen };
}

/** The distinct responses of each prompt among the records' first and second responses (token arrays of length L). */
export function touchedSequences(
  records: { readonly data: PreferenceDataset; readonly first: Int32Array; readonly second: Int32Array },
  prompts: number,
  length: number,
): Int32Array[][] {
  const keys = Array.from({ length: prompts }, () => new Map<string, Int32Array>());
  for (let i = 0; i < records.data.size; i++)
    for (const ys of [records.first, records.second]) {
      const y = ys.subarray(i * length, (i + 1) * length);
      keys[records.data.context[i]].set(y.join(","), y);
    }
  return keys.map((k) => [...k.values()]);
}
