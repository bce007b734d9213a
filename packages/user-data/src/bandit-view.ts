import type { BanditProblem } from "@gsh/preference";
import { maxCandidates, type UserProblem } from "./problem";

/**
 * The user's problem as a finite bandit, so that the offline and online GSHF machinery applies unchanged: prompts
 * are contexts, a prompt's candidates are its first actions, and prompts with fewer candidates than the largest
 * are padded with actions of reference probability 0 (which every Gibbs policy then gives probability 0) and zero
 * features. Memory: prompts × (largest candidate count) × d f64.
 */
export function banditView(p: UserProblem, eta: number, normBound = 1): BanditProblem {
  const X = p.prompts.length;
  const A = maxCandidates(p);
  const d = p.dim;
  const values = new Float64Array(X * A * d);
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    const s = p.promptStart[x];
    const n = p.promptStart[x + 1] - s;
    for (let a = 0; a < n; a++) {
      values.set(p.features.subarray((s + a) * d, (s + a + 1) * d), (x * A + a) * d);
      probs[x * A + a] = Math.exp(p.referenceLogProb[s + a]);
    }
  }
  return {
    contexts: X,
    actions: A,
    dim: d,
    features: { contexts: X, actions: A, dim: d, values },
    reference: { contexts: X, actions: A, probs },
    contextWeights: p.promptWeights,
    eta,
    normBound,
  };
}

/** The (prompt, candidate) of a bandit action, or null for a padding action. */
