import { type Policy, cholesky, choleskySolve } from "@gsh/core";
import {
  type BanditProblem,
  type SequenceProblem,
  enumerateResponses,
  expectedSequenceFeatures,
  referenceMarkovRows,
} from "@gsh/preference";
import { type KlConfig, klSlope, klValue } from "./kl-penalty";
import type { PolicyModel } from "./policy-model";
import { additiveCovariance, expectedTokenScore, mapTokenFunction, tokenLogRatio } from "./sequence-moments";
import type { SequenceModel } from "./sequence-model";

// The exact gradient audit: the expected update of a learner under a KL configuration (the expectation over
// responses of its per-sample update, as a finite sum on bandits and by forward passes on Markov sequence policies),
// the true gradient ∇J of J(π) = E r − η·KL(π‖π0) at the environment's η, and the fixed point of exact expected
// updates.

/**
 * How a learner's expected update weighs the reward part E[R·∇log π] and the KL-in-loss part η_t·E[∇k], on
 * environments where every response has the same length L (R, H, S): REINFORCE (constant baseline), RLOO
 * (leave-one-out) and PPO's first epoch weigh both by 1; GRPO without std normalisation and Dr. GRPO centre on the
 * group mean including the response itself, which scales the reward part by (k − 1)/k, and divide every token term by
 * L. GRPO with std normalisation, REINFORCE++ and multi-epoch PPO have no such form (their update depends on the
 * whole group or batch): null.
 */
export interface AuditFactors {
  readonly reward: number;
  readonly loss: number;
}

export type LearnerKind = "reinforce" | "rloo" | "grpo" | "dr-grpo" | "reinforce++" | "ppo";

export function auditFactors(
  learner: LearnerKind,
  options: { readonly samplesPerPrompt: number; readonly std?: boolean; readonly epochs?: number },
  maxLength: number,
): AuditFactors | null {
  const k = options.samplesPerPrompt;
  switch (learner) {
    case "reinforce":
    case "rloo":
      return { reward: 1, loss: 1 };
    case "ppo":
      return (options.epochs ?? 1) === 1 ? { reward: 1, loss: 1 } : null;
    case "grpo":
      return options.std ? null : { reward: (k - 1) / (k * maxLength), loss: 1 / maxLength };
    case "dr-grpo":
      return { reward: (k - 1) / (k * maxLength), loss: 1 / maxLength };
    case "reinforce++":
      return null;
  }
}

/** ∇J's configuration: k1 in the reward at the environment's η, weights 1 (the policy-gradient theorem). */
export const objectiveConfig = (eta: number): KlConfig => ({
  coefficient: eta,
  estimator: "k1",
  granularity: "sequence",
  placement: "reward",
});
export const UNIT_FACTORS: AuditFactors = { reward: 1, loss: 1 };

/** The expected update (ascent direction) on a finite environment: Σ_x d0(x)·Σ_a π(a|x)·(per-sample update). */
export function finiteExpectedUpdate(
  model: PolicyModel<number>,
  problem: BanditProblem,
  reward: Float64Array,
  kl: KlConfig,
  factors: AuditFactors,
): Float64Array {
  const { contexts: X, actions: A, contextWeights: d0 } = problem;
  const u = new Float64Array(model.size);
  const lp = new Float64Array(1);
  const lp0 = new Float64Array(1);
  for (let x = 0; x < X; x++) {
    if (d0[x] === 0) continue;
    for (let a = 0; a < A; a++) {
      if (problem.reference.probs[x * A + a] === 0) continue;
      model.tokenLogProbs(x, a, lp, lp0);
      const p = Math.exp(lp[0]);
      if (p === 0) continue;
      const l = lp[0] - lp0[0];
      const c = sampleWeight(kl, factors, reward[x * A + a], l);
      model.addSequenceScore(x, a, d0[x] * p * c, u);
    }
  }
  return u;
}

// a_R·(r − η_t·k(l) where in the reward) − a_L·η_t·k'(l) where in the loss: the per-sample coefficient of ∇log π
// on a one-token response.
function sampleWeight(kl: KlConfig, f: AuditFactors, r: number, l: number): number {
  const eta = kl.coefficient;
  if (eta === 0) return f.reward * r;
  if (kl.placement === "reward") return f.reward * (r - eta * klValue(kl.estimator, l));
  return f.reward * r - f.loss * eta * klSlope(kl.estimator, l);
}

/**
 * The expected update on a sequence environment by enumerating every response (tiny instances: the tests' check
 * of the forward passes). `reward` is the bigram table of r (r(y) = Σ_t b(y_{t−1}, y_t)).
 */
export function enumeratedSequenceUpdate(
  model: PolicyModel<Int32Array>,
  problem: SequenceProblem,
  reward: Float64Array,
  kl: KlConfig,
  factors: AuditFactors,
): Float64Array {
  const { prompts: X, vocab: V, length: L, contextWeights: d0 } = problem;
  const u = new Float64Array(model.size);
  const lp = new Float64Array(L);
  const lp0 = new Float64Array(L);
  const c = new Float64Array(L);
  const eta = kl.coefficient;
  const all = enumerateResponses(V, L);
  for (let x = 0; x < X; x++) {
    if (d0[x] === 0) continue;
    for (const y of all) {
      model.tokenLogProbs(x, y, lp, lp0);
      let logp = 0,
        l = 0,
        r = 0,
        s = V;
      for (let t = 0; t < L; t++) {
        logp += lp[t];
        l += lp[t] - lp0[t];
        r += reward[s * V + y[t]];
        s = y[t];
      }
      const q = d0[x] * Math.exp(logp);
      if (q === 0) continue;
      let R = r;
      if (eta > 0 && kl.placement === "reward") {
        if (kl.granularity === "sequence") R -= eta * klValue(kl.estimator, l);
        else for (let t = 0; t < L; t++) R -= eta * klValue(kl.estimator, lp[t] - lp0[t]);
      }
      c.fill(q * factors.reward * R);
      if (eta > 0 && kl.placement === "loss") {
        if (kl.granularity === "sequence")
          c.fill(q * (factors.reward * R - factors.loss * eta * klSlope(kl.estimator, l)));
        else for (let t = 0; t < L; t++) c[t] -= q * factors.loss * eta * klSlope(kl.estimator, lp[t] - lp0[t]);
      }
      model.addTokenScores(x, y, c, u);
    }
  }
  return u;
}

/**
 * The expected update on a sequence environment for the log-linear policy, exactly, by forward passes: the reward
 * part is Σ_x d0·Cov_x(R, φ)/η, with R = r − η_t·(penalty) additive per token for k1 (either granularity) and per-token
 * k2/k3, and Cov(e^{−l}, φ) = E_π0 φ − E_π φ for sequence-level k3; the loss part is E[l·∇l] = Cov(l, φ)/η for
 * sequence-level k2, (E_π φ − E_π0 φ)/η for sequence-level k3, 0 for k1, and the per-token score sum by the state
 * marginals for per-token estimators. Sequence-level k2 in the reward (E[l²·φ]) has no such pass: null.
 */
export function sequenceExpectedUpdate(
  model: SequenceModel,
  problem: SequenceProblem,
  reward: Float64Array,
  kl: KlConfig,
  factors: AuditFactors,
): Float64Array | null {
  const { vocab: V, dim: d, eta, contextWeights: w, prompts: X } = problem;
  const rows = model.rows();
  const ratio = tokenLogRatio(problem, rows);
  const eT = kl.coefficient;
  const perToken = kl.granularity === "token";
  const est = kl.estimator;
  if (eT > 0 && kl.placement === "reward" && est === "k2" && !perToken) return null;
  // Σ_x d0·(E_π φ − E_π0 φ), needed by sequence-level k3
  const meanGap = (): Float64Array => {
    const m = expectedSequenceFeatures(problem, rows);
    const m0 = expectedSequenceFeatures(problem, referenceMarkovRows(problem));
    const g = new Float64Array(d);
    for (let x = 0; x < X; x++) for (let j = 0; j < d; j++) g[j] += w[x] * (m[x * d + j] - m0[x * d + j]);
    return g;
  };
  const rewardIn = eT > 0 && kl.placement === "reward";
  // κ of R: r, minus the per-token penalty where it is additive
  const additivePenalty = rewardIn && (est === "k1" || perToken);
  const kappa = mapTokenFunction(ratio, V, (l, v, s) =>
    additivePenalty ? reward[s * V + v] - eT * klValue(est, l) : reward[s * V + v],
  );
  const u = additiveCovariance(problem, rows, kappa);
  for (let j = 0; j < d; j++) u[j] *= factors.reward / eta;
  if (rewardIn && est === "k3" && !perToken) {
    // R = r − η_t·(e^{−l} − 1 + l): Cov(R, φ) = Cov(r, φ) − η_t·(E_π0 φ − E_π φ + Cov(l, φ))
    const gap = meanGap();
    const cl = additiveCovariance(problem, rows, ratio);
    for (let j = 0; j < d; j++) u[j] -= ((factors.reward * eT) / eta) * (-gap[j] + cl[j]);
  }
  if (eT > 0 && kl.placement === "loss") {
    const s = factors.loss * eT;
    if (perToken) {
      const g = expectedTokenScore(
        problem,
        rows,
        model.futureFeatures(),
        mapTokenFunction(ratio, V, (l) => klSlope(est, l)),
      );
      for (let j = 0; j < d; j++) u[j] -= s * g[j];
    } else if (est === "k2") {
      const cl = additiveCovariance(problem, rows, ratio);
      for (let j = 0; j < d; j++) u[j] -= (s * cl[j]) / eta;
    } else if (est === "k3") {
      const gap = meanGap();
      for (let j = 0; j < d; j++) u[j] -= (s * gap[j]) / eta;
    }
  }
  return u;
}

/** Cosine of two vectors (1 when both are zero; 0 when only one is). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa === 0 && bb === 0) return 1;
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

/** ‖a − b‖/‖b‖ (∞ when b = 0 ≠ a). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** The Fisher-type preconditioner the fixed-point iteration uses: solves M·D = u for the model's class. */
export type Preconditioner = (u: Float64Array) => Float64Array;

/** Log-linear (finite or sequence): M = η⁻¹·Σ_x d0·Cov_x(φ), so D = η·Cov⁻¹u (ridge 1e-12 for a singular Cov). */
export function covariancePreconditioner(cov: Float64Array, d: number, eta: number): Preconditioner {
  return (u) => {
    const m = Float64Array.from(cov);
    for (let k = 0; k < d; k++) m[k * d + k] += 1e-12;
    const D = choleskySolve(cholesky(m, d), d, u);
    for (let k = 0; k < d; k++) D[k] *= eta;
    return D;
  };
}

/** Σ_x d0(x)·Cov_{π(·|x)}(φ) of a finite policy. */
export function finiteFeatureCovariance(problem: BanditProblem, pi: Policy): Float64Array {
  const { contexts: X, actions: A, dim: d, contextWeights: w } = problem;
  const phi = problem.features.values;
  const cov = new Float64Array(d * d);
  const mean = new Float64Array(d);
  for (let x = 0; x < X; x++) {
    mean.fill(0);
    for (let a = 0; a < A; a++) {
      const p = pi.probs[x * A + a];
      for (let k = 0; k < d; k++) mean[k] += p * phi[(x * A + a) * d + k];
    }
    for (let a = 0; a < A; a++) {
      const p = w[x] * pi.probs[x * A + a];
      if (p === 0) continue;
      const o = (x * A + a) * d;
      for (let i = 0; i < d; i++) {
        const di = phi[o + i] - mean[i];
        for (let j = 0; j < d; j++) cov[i * d + j] += p * di * (phi[o + j] - mean[j]);
      }
    }
  }
  return cov;
}

/**
 * Tabular: D(x, a) = u(x, a)/(η·d0(x)·π(a|x)) (the softmax's natural gradient, scaled as the log-linear one so that
 * k1 in the reward contracts by 1 − α·η_t/η per step in both classes), 0 where π = 0.
 */
export function tabularPreconditioner(problem: BanditProblem, pi: Policy): Preconditioner {
  const { contexts: X, actions: A, contextWeights: w, eta } = problem;
  return (u) => {
    const D = new Float64Array(u.length);
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++) {
        const q = eta * w[x] * pi.probs[x * A + a];
        D[x * A + a] = q > 0 ? u[x * A + a] / q : 0;
      }
    return D;
  };
}

/** Where exact expected updates lead: the last iterate, whether it converged, and how far it moved last. */
export interface FixedPoint {
  readonly converged: boolean;
  readonly iterations: number;
  /** max |step| of the last iteration. */
  readonly lastStep: number;
}

/**
 * Iterates w ← w + α·D(w), D = M⁻¹·u(w)/a_R (the natural-gradient flow of the expected update u, whose zeros are its
 * fixed points), from the model's current parameters, until the residual max |D| is below `tolerance`/α₀ or after
 * `maxIterations` accepted steps. α starts at ½·min(1, η/η_t), which makes the k1-in-reward map a contraction (factor 1 − α·η_t/η). A step
 * is kept only if max |D| does not grow there (backtracking: α halves and the step is retried from w, up to 40 times;
 * after a kept step α grows back by 1.5 up to its start), so the residual never increases and the iteration settles
 * on a zero of u where the flow has one. Configurations without a KL term that acts (η_t = 0, k1 in the loss) have
 * none: w grows without bound toward the greedy policy (D stays constant) and the iteration stops unconverged; so
 * does a flow that no step can improve, or that leaves what the class can represent in floating point.
 */
export function iterateToFixedPoint(
  model: PolicyModel<unknown>,
  update: () => Float64Array,
  precondition: () => Preconditioner,
  options: { readonly eta: number; readonly etaTrain: number; readonly rewardFactor: number },
  maxIterations = 1000,
  tolerance = 1e-12,
): FixedPoint {
  const start = 0.5 * Math.min(1, options.etaTrain > 0 ? options.eta / options.etaTrain : 1);
  let alpha = start;
  const direction = (): { D: Float64Array; norm: number } | null => {
    const D = precondition()(update());
    let norm = 0;
    for (let k = 0; k < D.length; k++) {
      D[k] /= options.rewardFactor;
      norm = Math.max(norm, Math.abs(D[k]));
    }
    return Number.isFinite(norm) ? { D, norm } : null;
  };
  let here = direction();
  if (!here) return { converged: false, iterations: 0, lastStep: NaN };
  const w = Float64Array.from(model.params);
  for (let it = 1; it <= maxIterations; it++) {
    let next: { D: Float64Array; norm: number } | null = null;
    let step = alpha * here.norm;
    for (let tries = 0; tries < 40; tries++) {
      step = alpha * here.norm;
      for (let k = 0; k < w.length; k++) model.params[k] = w[k] + alpha * here.D[k];
      try {
        model.refresh();
        next = direction();
      } catch {
        next = null; // the Gibbs weights underflow: not representable, so not a step to keep
      }
      if (next && next.norm <= here.norm) break;
      next = null;
      alpha *= 0.5;
    }
    if (!next) {
      model.params.set(w);
      model.refresh();
      return { converged: false, iterations: it, lastStep: step };
    }
    w.set(model.params);
    here = next;
    alpha = Math.min(start, alpha * 1.5);
    // converged when the residual itself is negligible (a tiny step alone only says backtracking shrank α)
    if (start * here.norm < tolerance) return { converged: true, iterations: it, lastStep: step };
  }
  return { converged: false, iterations: maxIterations, lastStep: alpha * here.norm };
}
