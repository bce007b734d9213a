import { type Policy, logSigmoid, sigmoid } from "@gsh/core";
import {
  type BanditProblem,
  type PreferenceDataset,
  type SequenceOfflineData,
  type SequenceProblem,
  defineAlgorithm,
  gibbsSequencePolicy,
  z,
} from "@gsh/preference";
import { type LogProbObjective, type WeightedPairs, fitLogProbObjective, pairLogRatios } from "./log-prob-objective";
import { pairsFromDataset } from "./pairs-data";
import { policyClass, policyUnsupported } from "./params";
import { type SequenceObjective, fitSequenceObjective, logLinearSequenceMoments } from "./sequence/log-linear-moments";
import { createTrainablePolicy } from "./policy-factory";

// DPO + SFT on the chosen responses, RPO-style: Pang, Yuan, Cho, He, Sukhbaatar, Weston 2024, "Iterative reasoning
// preference optimization" (arXiv 2404.19733), L = L_DPO + α·L_NLL(chosen) with α = 1; Liu et al. 2024 ("Provably
// mitigating overoptimization in RLHF: your SFT loss is implicitly an adversarial regularizer", arXiv 2405.16436) read
// the same sum as a pessimistic (max-min) objective. The weight is fixed by a stated rule: α = 1 per pair (Pang et
// al.'s value), both terms summed over the same pairs. Deviation, stated: a bandit response has no length, so the NLL
// is not length-normalised. Ridge (l2/2)‖params‖² with l2 = 1 as DPO's; reference π0. On finite actions (log-linear
// or tabular) and on sequences (the log-linear policy, which stays in the Gibbs family: log π_w is exact by the DP).

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Pang et al.'s weight of the NLL term, fixed in advance. */
export const SFT_WEIGHT = 1;

/**
 * Σ_i m_i·[−log σ(η·h_i) − α·log π(a^w_i|x_i)], h_i = log π/π0 (a^w) − log π/π0 (a^l), with its gradient in log π.
 */
export function dpoSftObjective(pairs: WeightedPairs, reference: Policy, eta: number, alpha: number): LogProbObjective {
  return (pi, C) => {
    const { chosen, rejected, chosenRatio: lw, rejectedRatio: ll } = pairLogRatios(pairs, pi, reference);
    let total = 0;
    for (let i = 0; i < pairs.size; i++) {
      const h = lw[i] - ll[i];
      const m = pairs.weights[i];
      total -= m * (logSigmoid(eta * h) + alpha * Math.log(pi.probs[chosen[i]]));
      const s = -m * eta * sigmoid(-eta * h);
      C[chosen[i]] += s - m * alpha;
      C[rejected[i]] -= s;
    }
    return total;
  };
}

/** DPO + α·SFT on offline pairs for a finite problem: the policy after L-BFGS from π0. */
export function dpoSft(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: { readonly policy?: "log-linear" | "tabular"; readonly l2?: number; readonly alpha?: number } = {},
) {
  const model = createTrainablePolicy(options.policy ?? "log-linear", problem);
  const pairs = pairsFromDataset(data).aggregated();
  const objective = dpoSftObjective(pairs, problem.reference, problem.eta, options.alpha ?? SFT_WEIGHT);
  const r = fitLogProbObjective(model, objective, options.l2 ?? 1);
  return { policy: model.distribution(), steps: r.steps, converged: r.converged, pairs: pairs.size };
}

/**
 * The same objective for the log-linear sequence policy on offline records with features (y = 1: first preferred):
 * Σ_i −log σ(η·h_i) − α·(<w, φ(y^w_i)>/η − log Z_w(x_i)), i.e. without the constant log π0(y^w); records whose two
 * responses have the same features (the same response) are skipped, as finite actions refuse chosen = rejected.
 */
export function sequenceDpoSftObjective(data: PreferenceDataset, eta: number, alpha: number): SequenceObjective {
  const d = data.featureDim;
  const f1 = data.firstFeatures,
    f2 = data.secondFeatures;
  return (w, m, grad) => {
    let total = 0;
    for (let i = 0; i < data.size; i++) {
      const [ow, ol] = data.label[i] === 1 ? [f1, f2] : [f2, f1];
      let s = 0,
        sw = 0,
        same = true;
      for (let k = 0; k < d; k++) {
        const zk = ow[i * d + k] - ol[i * d + k];
        if (zk !== 0) same = false;
        s += w[k] * zk;
        sw += w[k] * ow[i * d + k];
      }
      if (same) continue;
      const x = data.context[i];
      const h = s / eta;
      total -= logSigmoid(eta * h) + alpha * (sw / eta - m.logZ[x]);
      const c = -sigmoid(-eta * h);
      for (let k = 0; k < d; k++)
        grad[k] += c * (ow[i * d + k] - ol[i * d + k]) - (alpha * (ow[i * d + k] - m.meanFeatures[x * d + k])) / eta;
    }
    return total;
  };
}

/** DPO + α·SFT on offline sequence pairs: the log-linear sequence policy after L-BFGS from π0 (exact by the DP). */
export function sequenceDpoSft(
  problem: SequenceProblem,
  offline: SequenceOfflineData,
  options: { readonly l2?: number; readonly alpha?: number } = {},
) {
  const objective = sequenceDpoSftObjective(offline.data, problem.eta, options.alpha ?? SFT_WEIGHT);
  const r = fitSequenceObjective(problem, objective, options.l2 ?? 1, new Float64Array(problem.dim));
  const policy = gibbsSequencePolicy(logLinearSequenceMoments(problem, r.params).policy);
  return { policy, w: r.params, steps: r.steps, converged: r.converged };
}

/** The `dpo-sft` algorithm: DPO + α·NLL of the chosen responses on `budget` π0 pairs (finite actions). */
export const dpoSftAlgorithm = defineAlgorithm({
  name: "dpo-sft",
  track: "practical",
  description:
    "DPO + α·SFT on the chosen responses (RPO, Pang et al. 2024; α = 1), on π0 pairs, reference π0 (bandits, sequences)",
  params: z
    .object({ policy: policyClass, l2: z.number().min(0).default(1), alpha: z.number().min(0).default(SFT_WEIGHT) })
    .strict(),
  supports: ["bandit", "sequence"],
  unsupported: (shape, p) => policyUnsupported(shape, p.policy),
  run(ctx, p) {
    const r =
      ctx.kind === "sequence"
        ? sequenceDpoSft(ctx.problem, ctx.offlineData(ctx.budget), p)
        : dpoSft(ctx.problem, ctx.offlineData(ctx.budget), p);
    return { policy: r.policy, costs: { gradientSteps: r.steps }, diagnostics: { converged: r.converged } };
  },
});
