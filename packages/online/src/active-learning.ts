import { type Rng, cholesky, forwardSubstitute } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import type { ExplorationRule, PairPlan } from "./exploration";
import { requireHessian } from "./rule-helpers";

/** The Bernoulli entropy H(p) in nats (0 at p = 0 or 1). */
const entropy = (p: number) => (p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p));

/**
 * The active-learning score of asking about (a, b) at x: the predictive entropy of the label under the fitted
 * model times the epistemic width of the margin, H(σ(<θ̂, z>))·‖z‖_{H⁻¹} with z = φ(x,a) − φ(x,b) and H the
 * Hessian of the penalised BT loss. `L` is H's Cholesky factor (H = LLᵀ): ‖z‖_{H⁻¹} = ‖L⁻¹z‖.
 */
export function activeLearningScore(z: Float64Array, theta: Float64Array, L: Float64Array): number {
  let m = 0;
  for (let k = 0; k < z.length; k++) m += theta[k] * z[k];
  const w = forwardSubstitute(L, z.length, z);
  let n = 0;
  for (const v of w) n += v * v;
  return entropy(1 / (1 + Math.exp(-m))) * Math.sqrt(n);
}

/** For each context, the pair of distinct actions of largest `activeLearningScore` (ties: the first in a < b order). */
export function activeLearningPairs(problem: BanditProblem, theta: Float64Array, hessian: Float64Array): Int32Array {
  const { contexts: X, actions: A, dim: d, features } = problem;
  const L = cholesky(hessian, d);
  const z = new Float64Array(d);
  const out = new Int32Array(2 * X);
  for (let x = 0; x < X; x++) {
    let best = -Infinity;
    for (let a = 0; a < A; a++)
      for (let b = a + 1; b < A; b++) {
        for (let k = 0; k < d; k++) z[k] = features.values[(x * A + a) * d + k] - features.values[(x * A + b) * d + k];
        const s = activeLearningScore(z, theta, L);
        if (s > best) {
          best = s;
          out[2 * x] = a;
          out[2 * x + 1] = b;
        }
      }
  }
  return out;
}

/**
 * The pair (i < j) of largest `activeLearningScore` among K candidates given by their features (K × d, row-major):
 * how active learning runs where the responses cannot be enumerated (sequences), over a sampled candidate set.
 */
export function bestActivePair(
  candidateFeatures: Float64Array,
  K: number,
  theta: Float64Array,
  L: Float64Array,
): [number, number] {
  const d = theta.length;
  const z = new Float64Array(d);
  let best = -Infinity;
  let pick: [number, number] = [0, 1];
  for (let i = 0; i < K; i++)
    for (let j = i + 1; j < K; j++) {
      for (let k = 0; k < d; k++) z[k] = candidateFeatures[i * d + k] - candidateFeatures[j * d + k];
      const s = activeLearningScore(z, theta, L);
      if (s > best) {
        best = s;
        pick = [i, j];
      }
    }
  return pick;
}

/**
 * Active preference learning (pairs of maximal predictive entropy × uncertainty, in the line of Houlsby et al.'s
 * BALD, 2011, and of the active-learning DPO variants): each round, at every context the pair of distinct actions
 * that maximises H(σ(<θ̂, z>))·‖z‖_{H⁻¹}, asked about whenever that context is drawn. No hyper-parameter; on a
 * finite-action bandit every pair is a candidate (A(A−1)/2 per context). On sequences (`onlineGshfSequence`) the
 * candidates are `bestOfN` (default 8, so 28 pairs) responses sampled from the main agent for each prompt.
 */
export const activeLearningRule: ExplorationRule = (s) => {
  const pairs = activeLearningPairs(s.problem, s.theta, requireHessian(s, "active learning"));
  const plan: PairPlan = {
    sample: (x: number, _rng: Rng) => [pairs[2 * x], pairs[2 * x + 1]],
    degenerate: () => 0,
  };
  return plan;
};
