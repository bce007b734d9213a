import { type Policy, logSigmoid, sigmoid } from "@gsh/core";
import { type BanditProblem, type PreferenceDataset, defineAlgorithm, rewardGapBound, z } from "@gsh/preference";
import { type LogProbObjective, type WeightedPairs, fitLogProbObjective, pairLogRatios } from "./log-prob-objective";
import { pairsFromDataset } from "./pairs-data";
import { policyClass } from "./params";
import { createTrainablePolicy } from "./policy-factory";

// χ²PO (Huang, Zhan, Xie, Lee, Sun, Krishnamurthy, Foster 2024, "Correcting the mythos of KL-regularization: direct
// alignment without overoptimization via χ²-preference optimization", arXiv 2407.13399), Algorithm 1: DPO with the
// link φ(z) = z + log z in place of log z, z = π(a|x)/π_ref(a|x), and the implicit-reward gap clipped to
// [−2R_max, 2R_max]. It is the DPO-style loss of the mixed regulariser D_χ²(π‖π_ref) + KL(π‖π_ref) (f(z) = ½(z−1)² +
// z log z, f′ = φ), whose regularised optimum is π_ref·W(e^{(r−c(x))/β}) (W the Lambert function, c(x) the normaliser).
// Choices here, stated: β = the environment's η (so the KL part of the regulariser has the environment's
// weight and the χ² part is added on top); R_max = z_max, the largest reward gap max |<θ, φ(x,a) − φ(x,a′)>| over
// ‖θ‖ ≤ B (the paper's rewards lie in [0, R_max], whose largest gap is R_max), so the clip is at ±2·z_max; π_ref = π0;
// ridge (l2/2)‖params‖² with l2 = 1 as DPO's. Finite actions only (S enumerated as S-tiny): its optimum is not a
// Gibbs policy, so on sequences it is not Markov.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** The χ²PO link φ(z) = z + log z, written in ℓ = log z: e^ℓ + ℓ. */
const link = (logRatio: number) => Math.exp(logRatio) + logRatio;

/**
 * The χ²PO objective on oriented pairs: Σ_i m_i·−log σ(clip_{2R}[β·φ(π/π0)(a^w_i) − β·φ(π/π0)(a^l_i)]), with its
 * gradient in log π (zero where the clip binds). `clip` = 2·R_max.
 */
export function chi2poObjective(pairs: WeightedPairs, reference: Policy, beta: number, clip: number): LogProbObjective {
  return (pi, C) => {
    const { chosen, rejected, chosenRatio: lw, rejectedRatio: ll } = pairLogRatios(pairs, pi, reference);
    let total = 0;
    for (let i = 0; i < pairs.size; i++) {
      const u = beta * (link(lw[i]) - link(ll[i]));
      const m = pairs.weights[i];
      if (u >= clip || u <= -clip) {
        total -= m * logSigmoid(u >= clip ? clip : -clip);
        continue;
      }
      total -= m * logSigmoid(u);
      // ∂(−log σ(u))/∂u = −σ(−u); ∂u/∂log π(a^w) = β·(z_w + 1), ∂u/∂log π(a^l) = −β·(z_l + 1)
      const s = -m * sigmoid(-u) * beta;
      C[chosen[i]] += s * (Math.exp(lw[i]) + 1);
      C[rejected[i]] -= s * (Math.exp(ll[i]) + 1);
    }
    return total;
  };
}

/** W(e^t): the root z > 0 of z + log z = t (Newton in log z, from a start on the right branch). */
export function linkInverse(t: number): number {
  let s = t > 1 ? Math.log(t - Math.log(t)) : t;
  for (let i = 0; i < 100; i++) {
    const e = Math.exp(s);
    const step = (e + s - t) / (e + 1);
    s -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(s))) break;
  }
  return Math.exp(s);
}

/**
 * The maximiser of E_x[E_π r − β·(D_χ²(π‖π0) + KL(π‖π0))] over all policies: π(a|x) = π0(a|x)·W(e^{(r(x,a)−c(x))/β}),
 * c(x) found by bisection so that each row sums to 1 (the sum is decreasing in c). `reward` is X·A, row-major.
 */
export function chi2RegularizedOptimum(reference: Policy, reward: Float64Array, beta: number): Policy {
  const { contexts: X, actions: A } = reference;
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    const mass = (c: number) => {
      let s = 0;
      for (let a = 0; a < A; a++) {
        const p0 = reference.probs[x * A + a];
        if (p0 > 0) s += p0 * linkInverse((reward[x * A + a] - c) / beta);
      }
      return s;
    };
    let lo = -1,
      hi = 1;
    while (mass(lo) < 1) lo = 2 * lo - 1;
    while (mass(hi) > 1) hi = 2 * hi + 1;
    for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
      const mid = 0.5 * (lo + hi);
      if (mass(mid) > 1) lo = mid;
      else hi = mid;
    }
    const c = 0.5 * (lo + hi);
    let s = 0;
    for (let a = 0; a < A; a++) {
      const p0 = reference.probs[x * A + a];
      probs[x * A + a] = p0 > 0 ? p0 * linkInverse((reward[x * A + a] - c) / beta) : 0;
      s += probs[x * A + a];
    }
    for (let a = 0; a < A; a++) probs[x * A + a] /= s;
  }
  return { contexts: X, actions: A, probs };
}

/** χ²PO on offline pairs for a finite problem: the policy after L-BFGS from π0, and its training report. */
export function chi2po(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: { readonly policy?: "log-linear" | "tabular"; readonly l2?: number; readonly beta?: number } = {},
) {
  const model = createTrainablePolicy(options.policy ?? "log-linear", problem);
  const pairs = pairsFromDataset(data).aggregated();
  const clip = 2 * rewardGapBound(problem).value;
  const beta = options.beta ?? problem.eta;
  const r = fitLogProbObjective(model, chi2poObjective(pairs, problem.reference, beta, clip), options.l2 ?? 1);
  return { policy: model.distribution(), steps: r.steps, converged: r.converged, clip, pairs: pairs.size };
}

/** The `chi2po` algorithm: χ²PO on `budget` π0 pairs, reference π0 (finite actions). */
export const chi2poAlgorithm = defineAlgorithm({
  name: "chi2po",
  track: "practical",
  description: "χ²PO (Huang et al. 2024): DPO with the link z + log z and the gap clipped at ±2·z_max, on π0 pairs",
  params: z.object({ policy: policyClass, l2: z.number().min(0).default(1) }).strict(),
  supports: ["bandit"],
  run(ctx, p) {
    const data = ctx.offlineData(ctx.budget);
    const r = chi2po(ctx.problem, data, { policy: p.policy, l2: p.l2 });
    return {
      policy: r.policy,
      costs: { gradientSteps: r.steps },
      diagnostics: { converged: r.converged, clip: r.clip, pairs: r.pairs },
    };
  },
});
