import { type Policy, type TiltBatch, gemv, softmaxInto, syrk, tiltBatch } from "@gsh/core";
import type { BanditProblem } from "../environments/bandit";
import type { MarkovPolicy, SequenceProblem } from "../sequence/problem";
import { bigramReward, sequenceFeatureCovariance, sequenceGibbs } from "../sequence/dp";
import { expectedGibbsFeatures, factoredGibbsPolicy, sharedFeatureCovariance } from "../sequence/gibbs-policy";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The family of Gibbs policies of linear rewards, π_θ ∝ π0·exp(<θ, φ>/η), seen through its moments. Everything the
 * pessimism dual (Option I) and the enhancer's tilts need is here: a tilt of π_θ along u is π_{θ+cηu}, and
 * KL(π_a ‖ π_b)(x) = <θ_a − θ_b, φ(x, π_a)>/η − log Z_a(x) + log Z_b(x). Finite action sets and the sequence bandit
 * both implement it exactly.
 */
export interface GibbsFamily {
  readonly contexts: number;
  readonly dim: number;
  readonly eta: number;
  readonly contextWeights: Float64Array;
  /** Per-context log Z_θ(x) = log E_{π0} exp(<θ, φ>/η) and φ(x, π_θ) (contexts × dim). */
  moments(theta: Float64Array): { logZ: Float64Array; features: Float64Array };
  /** E_x Cov_{π_θ(·|x)}(φ), d×d, when it has a closed form (finite actions; sequences by a forward pass). */
  featureCovariance?(theta: Float64Array): Float64Array;
  /**
   * Tilts of π_θ along K directions (K×d row-major), evaluated many (direction, size) pairs at a time:
   * c ↦ π_{θ + cηu} ∝ π_θ·exp(c<u, φ>) with E_x φ(x, π_c) and E_x KL(π_c ‖ π_θ). Optional fast path (finite
   * actions: core's lockstep `tiltBatch`); callers fall back to `tiltsFromMoments`.
   */
  tilts?(theta: Float64Array, directions: Float64Array, count: number): TiltBatch;
}

/** Tilts through `moments` (any family): one pair at a time, two moment evaluations' worth of work each. */
export function tiltsFromMoments(
  family: GibbsFamily,
  theta: Float64Array,
  directions: Float64Array,
  count: number,
): TiltBatch {
  const { dim: d, eta } = family;
  const base = family.moments(theta);
  return {
    directions: count,
    evaluate(idx, cs) {
      const means = new Float64Array(idx.length * d);
      const kl = new Float64Array(idx.length);
      for (let j = 0; j < idx.length; j++) {
        const u = idx[j] * d;
        const t = theta.map((v, k) => v + cs[j] * eta * directions[u + k]);
        const m = family.moments(t);
        means.set(contextMean(family, m.features, d), j * d);
        kl[j] = contextMean(family, familyKl(family, t, m, theta, base))[0];
      }
      return { means, kl };
    },
    dispose() {},
  };
}

/** Per-context KL(π_a ‖ π_b) between two members, from their moments. */
export function familyKl(
  family: GibbsFamily,
  thetaA: Float64Array,
  a: { logZ: Float64Array; features: Float64Array },
  thetaB: Float64Array,
  b: { logZ: Float64Array },
): Float64Array {
  const { contexts: X, dim: d, eta } = family;
  const out = new Float64Array(X);
  for (let x = 0; x < X; x++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (thetaA[k] - thetaB[k]) * a.features[x * d + k];
    out[x] = Math.max(0, s / eta - a.logZ[x] + b.logZ[x]);
  }
  return out;
}

/** E_x of a per-context quantity (or of per-context feature rows). */
export function contextMean(family: GibbsFamily, perContext: Float64Array, width = 1): Float64Array {
  const out = new Float64Array(width);
  for (let x = 0; x < family.contexts; x++)
    for (let k = 0; k < width; k++) out[k] += family.contextWeights[x] * perContext[x * width + k];
  return out;
}

/** The finite-action family of a bandit problem, with the exact feature covariance. */
export function finiteGibbsFamily(problem: BanditProblem): GibbsFamily & { policyOf(theta: Float64Array): Policy } {
  const { contexts: X, actions: A, dim: d, features, reference, eta, contextWeights } = problem;
  const logPi0 = reference.probs.map((p) => (p > 0 ? Math.log(p) : -Infinity));
  const reward = new Float64Array(X * A);
  const probs = new Float64Array(X * A);
  const gibbs = (theta: Float64Array): Float64Array => {
    gemv(features.values, X * A, d, theta, reward);
    const logZ = new Float64Array(X);
    for (let i = 0; i < X * A; i++) probs[i] = logPi0[i] + reward[i] / eta;
    for (let x = 0; x < X; x++) logZ[x] = softmaxInto(probs, probs, x * A, A);
    return logZ;
  };
  return {
    contexts: X,
    dim: d,
    eta,
    contextWeights,
    moments(theta) {
      const logZ = gibbs(theta);
      const f = new Float64Array(X * d);
      for (let x = 0; x < X; x++)
        for (let a = 0; a < A; a++) {
          const p = probs[x * A + a];
          if (p === 0) continue;
          const o = (x * A + a) * d;
          for (let k = 0; k < d; k++) f[x * d + k] += p * features.values[o + k];
        }
      return { logZ, features: f };
    },
    featureCovariance(theta) {
      gibbs(theta);
      // E_x[Σ_a π(a|x) φφᵀ − φ̄_x φ̄_xᵀ] as one weighted syrk over all (x, a) rows, minus the per-context means.
      const scaled = new Float64Array(X * A * d);
      const means = new Float64Array(X * d);
      for (let x = 0; x < X; x++)
        for (let a = 0; a < A; a++) {
          const p = probs[x * A + a];
          const s = Math.sqrt(contextWeights[x] * p);
          const o = (x * A + a) * d;
          for (let k = 0; k < d; k++) {
            scaled[o + k] = s * features.values[o + k];
            means[x * d + k] += p * features.values[o + k];
          }
        }
      const C = new Float64Array(d * d);
      syrk(scaled, X * A, d, C);
      for (let x = 0; x < X; x++) {
        const w = contextWeights[x];
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) C[i * d + j] -= w * means[x * d + i] * means[x * d + j];
      }
      return C;
    },
    policyOf(theta) {
      gibbs(theta);
      return { contexts: X, actions: A, probs: Float64Array.from(probs) };
    },
    tilts(theta, directions, count) {
      // log π_θ once per θ; the lockstep kernel computes the scores Φu once per direction.
      gibbs(theta);
      const logBase = new Float64Array(X * A);
      for (let i = 0; i < X * A; i++) logBase[i] = probs[i] > 0 ? Math.log(probs[i]) : -Infinity;
      return tiltBatch({
        contexts: X,
        actions: A,
        dim: d,
        features: features.values,
        logBase,
        contextWeights,
        directions,
        count,
      });
    },
  };
}

/** The sequence bandit's family: moments by the backward/forward DP, so every member is Markov and exact. */
export function sequenceGibbsFamily(
  problem: SequenceProblem,
): GibbsFamily & { policyOf(theta: Float64Array): MarkovPolicy } {
  return {
    contexts: problem.prompts,
    dim: problem.dim,
    eta: problem.eta,
    contextWeights: problem.contextWeights,
    moments(theta) {
      // The factored form: log Z from the backward messages, φ(x, π_θ) from the bigram occupancy (no dense table).
      const g = factoredGibbsPolicy(problem, bigramReward(problem, theta), problem.eta);
      return { logZ: g.logZ, features: expectedGibbsFeatures(problem, g) };
    },
    featureCovariance(theta) {
      const b = bigramReward(problem, theta);
      // A per-prompt π0 keeps the dense table (as fast there, and the numbers of earlier releases); a shared one
      // (V in the hundreds) takes one backward pass for all prompts and forms no X·L·(V+1)·V table.
      return problem.referenceLayout === "shared"
        ? sharedFeatureCovariance(problem, factoredGibbsPolicy(problem, b, problem.eta))
        : sequenceFeatureCovariance(problem, sequenceGibbs(problem, b, problem.eta).policy);
    },
    policyOf(theta) {
      return sequenceGibbs(problem, bigramReward(problem, theta), problem.eta).policy;
    },
  };
}
