import { type Policy, gemv, softmaxInto, syrk } from "@gsh/core";
import type { BanditProblem } from "../environments/bandit";
import type { MarkovPolicy, SequenceProblem } from "../sequence/problem";
import { bigramReward, sequenceFeatureCovariance, sequenceGibbs } from "../sequence/dp";
import { factoredGibbsPolicy, gibbsOccupancy } from "../sequence/gibbs-policy";

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
   * Tilt paths around π_θ: for a direction u, c ↦ π_{θ + cηu} ∝ π_θ·exp(c<u, φ>) with E_x φ(x, π_c) and
   * E_x KL(π_c ‖ π_θ). Optional fast path for families where tilts can reuse log π_θ and per-action scores
   * (finite actions); callers fall back to `tiltPathsFromMoments`.
   */
  tiltPaths?(theta: Float64Array): (u: Float64Array) => (c: number) => TiltPoint;
}

export interface TiltPoint {
  /** E_x φ(x, π_c). */
  readonly meanFeatures: Float64Array;
  /** E_x KL(π_c ‖ π_θ). */
  readonly kl: number;
  /** θ + cηu. */
  readonly theta: Float64Array;
}

/** Tilt paths through `moments` (any family). */
export function tiltPathsFromMoments(
  family: GibbsFamily,
  theta: Float64Array,
): (u: Float64Array) => (c: number) => TiltPoint {
  const base = family.moments(theta);
  return (u) => (c) => {
    const t = theta.map((v, k) => v + c * family.eta * u[k]);
    const m = family.moments(t);
    return {
      theta: t,
      meanFeatures: contextMean(family, m.features, family.dim),
      kl: contextMean(family, familyKl(family, t, m, theta, base))[0],
    };
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
    tiltPaths(theta) {
      // log π_θ once per θ, the scores s = Φu once per direction; each point is then one softmax over X·A and one
      // X·A·d accumulation.
      gibbs(theta);
      const logBase = new Float64Array(X * A);
      for (let i = 0; i < X * A; i++) logBase[i] = probs[i] > 0 ? Math.log(probs[i]) : -Infinity;
      const row = new Float64Array(A);
      const values = features.values;
      return (u) => {
        const score = gemv(values, X * A, d, u);
        return (c) => {
          const mean = new Float64Array(d);
          let kl = 0;
          for (let x = 0; x < X; x++) {
            const o = x * A;
            for (let a = 0; a < A; a++) row[a] = logBase[o + a] + c * score[o + a];
            const lse = softmaxInto(row, row, 0, A); // log Σ_a π_θ(a|x)·e^{c s(x,a)}
            let es = 0;
            const w = contextWeights[x];
            for (let a = 0; a < A; a++) {
              const p = row[a];
              if (p === 0) continue;
              es += p * score[o + a];
              const f = (o + a) * d;
              const wp = w * p;
              for (let k = 0; k < d; k++) mean[k] += wp * values[f + k];
            }
            kl += w * Math.max(0, c * es - lse);
          }
          return { theta: theta.map((v, k) => v + c * eta * u[k]), meanFeatures: mean, kl };
        };
      };
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
      const { prompts: X, vocab: V, length: L, dim: d, psi } = problem;
      const S = (V + 1) * V;
      const features = new Float64Array(X * d);
      const occ = new Float64Array(S);
      for (let x = 0; x < X; x++) {
        gibbsOccupancy(g, x, occ);
        for (let i = 0; i < S; i++) {
          const c = occ[i] / L;
          if (c === 0) continue;
          for (let k = 0; k < d; k++) features[x * d + k] += c * psi[i * d + k];
        }
      }
      return { logZ: g.logZ, features };
    },
    featureCovariance(theta) {
      return sequenceFeatureCovariance(
        problem,
        sequenceGibbs(problem, bigramReward(problem, theta), problem.eta).policy,
      );
    },
    policyOf(theta) {
      return sequenceGibbs(problem, bigramReward(problem, theta), problem.eta).policy;
    },
  };
}
