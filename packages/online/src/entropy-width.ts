import { GshException, cholesky, forwardSubstitute, invalidArgument } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import type { ExplorationRule } from "./exploration";
import { requireHessian } from "./rule-helpers";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/** The Bernoulli entropy H(p) in nats (0 at p = 0 or 1). */
const entropy = (p: number) => (p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p));

/**
 * The entropy × width score of asking about (a, b) at x: the predictive entropy of the label under the fitted
 * model times the epistemic width of the margin, H(σ(<θ̂, z>))·‖z‖_{H⁻¹} with z = φ(x,a) − φ(x,b) and H the
 * Hessian of the penalised BT loss. `L` is H's Cholesky factor (H = LLᵀ): ‖z‖_{H⁻¹} = ‖L⁻¹z‖.
 */
export function entropyWidthScore(z: Float64Array, theta: Float64Array, L: Float64Array): number {
  let m = 0;
  for (let k = 0; k < z.length; k++) m += theta[k] * z[k];
  const w = forwardSubstitute(L, z.length, z);
  let n = 0;
  for (const v of w) n += v * v;
  return entropy(1 / (1 + Math.exp(-m))) * Math.sqrt(n);
}

/** For each context, the pair of distinct actions of largest `entropyWidthScore` (ties: the first in a < b order). */
export function entropyWidthPairs(problem: BanditProblem, theta: Float64Array, hessian: Float64Array): Int32Array {
  const { contexts: X, actions: A, dim: d, features } = problem;
  const L = cholesky(hessian, d);
  const z = new Float64Array(d);
  const out = new Int32Array(2 * X);
  for (let x = 0; x < X; x++) {
    let best = -Infinity;
    for (let a = 0; a < A; a++)
      for (let b = a + 1; b < A; b++) {
        for (let k = 0; k < d; k++) z[k] = features.values[(x * A + a) * d + k] - features.values[(x * A + b) * d + k];
        const s = entropyWidthScore(z, theta, L);
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
 * The pair (i < j) of largest `entropyWidthScore` among K candidates given by their features (K × d, row-major):
 * how the entropy × width rule runs where the responses cannot be enumerated (sequences), over a sampled candidate set.
 */
export function bestEntropyWidthPair(
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
      const s = entropyWidthScore(z, theta, L);
      if (s > best) {
        best = s;
        pick = [i, j];
      }
    }
  return pick;
}

/**
 * The entropy × width rule (this project's heuristic, named "active learning" until 2026-12; pairs of maximal
 * predictive entropy × uncertainty, in the line of Houlsby et al.'s BALD, 2011): each round, at every context the pair of distinct candidates
 * that maximises H(σ(<θ̂, z>))·‖z‖_{H⁻¹} (`bestEntropyWidthPair`), asked about whenever that context is drawn. Where the
 * responses can be enumerated (finite actions) every pair is a candidate (A(A−1)/2 per context, one choice per context
 * and round); otherwise (sequences) the candidates are `candidates` responses sampled from the main agent for each
 * prompt drawn (default 8, so 28 pairs). No other hyper-parameter. It is not APO (Das et al. 2024), which picks the
 * context too and updates its design within the batch (`apo.ts`).
 */
export function entropyWidthRuleWith(candidates = 8): ExplorationRule {
  if (!(Number.isInteger(candidates) && candidates >= 2))
    throw new GshException(invalidArgument("bestOfN", `entropy × width needs ≥ 2 candidates, got ${candidates}`));
  return (s) => {
    const d = s.world.dim;
    const L = cholesky(requireHessian(s, "entropy × width"), d);
    const enumerate = s.world.responses;
    if (enumerate) {
      // Every response is a candidate: the pair depends on the context only, found once per context and round.
      const chosen = new Map<number, [number, number]>();
      return {
        sample(x) {
          const ys = enumerate(x);
          let pair = chosen.get(x);
          if (!pair) {
            const feats = new Float64Array(ys.length * d);
            ys.forEach((y, i) => s.world.features(x, y, feats.subarray(i * d, (i + 1) * d)));
            chosen.set(x, (pair = bestEntropyWidthPair(feats, ys.length, s.theta, L)));
          }
          return [ys[pair[0]], ys[pair[1]]];
        },
        degenerate: () => 0,
      };
    }
    const cand = Array.from({ length: candidates }, () => s.world.slot());
    const feats = new Float64Array(candidates * d);
    return {
      sample(x, rng) {
        for (let j = 0; j < candidates; j++) {
          cand[j] = s.main.draw(x, rng, cand[j]);
          s.world.features(x, cand[j], feats.subarray(j * d, (j + 1) * d));
        }
        const [i, j] = bestEntropyWidthPair(feats, candidates, s.theta, L);
        return [cand[i], cand[j]];
      },
      degenerate: () => 0,
    };
  };
}

/** `entropyWidthRuleWith(8)`: on finite actions every pair, on sequences 8 sampled candidates per prompt. */
export const entropyWidthRule: ExplorationRule = entropyWidthRuleWith(8);
