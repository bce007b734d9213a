import { type Policy, type Rng, gibbsPolicy, linearReward } from "@gsh/core";
import {
  type BanditProblem,
  type PreferenceDataset,
  defineAlgorithm,
  fitBradleyTerryOrThrow,
  winnerMinusLoser,
  z,
} from "@gsh/preference";

// Reward-model ensemble pessimism (Coste, Anwar, Kirk, Krueger 2024, "Reward model ensembles help mitigate
// overoptimization", ICLR; Eisenstein et al. 2023, "Helping or herding?"): K reward models, the policy optimised
// against a conservative aggregate, either the worst case (min over members, Coste et al.'s WCO) or mean − λ·sd
// (uncertainty-weighted, their UWO with the sd in place of the variance). Here the policy step is exact: the Gibbs
// policy π0·e^{r̂/η} of the aggregate, the idealisation of RL (or DPO) against it. Rules fixed in advance, stated:
// K = 5 members (Coste et al.'s ensemble size), λ = 1; the members are BT fits (ridge λ = 1, the MLE's) on K bootstrap
// resamples of the n pairs, because a convex BT fit gives the same model for every initialisation, so seeds alone
// (the papers' source of diversity) would give K copies. Deviation, stated: each member is centred per prompt at π0,
// r_k(x,a) − E_{a′~π0} r_k(x,a′), since BT identifies a reward only up to a per-prompt shift and a minimum over
// members is not shift-invariant; the anchor is Option II's ν(x) = φ(x, π0). Not linear in φ, so finite actions only
// (S enumerated as S-tiny).

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

export type EnsembleAggregate = "min" | "mean-sd";

/** Coste et al.'s ensemble size and the sd multiplier, fixed in advance. */
export const ENSEMBLE_DEFAULTS = { members: 5, sdWeight: 1 } as const;

/** Each member's reward table X·A, centred per prompt at π0. */
export function bootstrapRewards(
  problem: BanditProblem,
  data: PreferenceDataset,
  members: number,
  rng: Rng,
  lambda = 1,
): Float64Array[] {
  const { dim: d, contexts: X, actions: A } = problem;
  const Z = winnerMinusLoser(data, problem.features);
  const n = data.size;
  const out: Float64Array[] = [];
  for (let k = 0; k < members; k++) {
    const r = rng.split(`bootstrap/${k}`);
    const Zk = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const j = r.int(n);
      Zk.set(Z.subarray(j * d, (j + 1) * d), i * d);
    }
    const theta = n > 0 ? fitBradleyTerryOrThrow(Zk, n, d, { lambda }).theta : new Float64Array(d);
    const table = linearReward(problem.features, theta);
    for (let x = 0; x < X; x++) {
      let mean = 0;
      for (let a = 0; a < A; a++) mean += problem.reference.probs[x * A + a] * table[x * A + a];
      for (let a = 0; a < A; a++) table[x * A + a] -= mean;
    }
    out.push(table);
  }
  return out;
}

/** The aggregate reward: the member-wise minimum, or mean − λ·sd (sample sd over members, K − 1 in the divisor). */
export function aggregateRewards(
  rewards: readonly Float64Array[],
  aggregate: EnsembleAggregate,
  sdWeight = 1,
): Float64Array {
  const K = rewards.length;
  const out = new Float64Array(rewards[0].length);
  for (let i = 0; i < out.length; i++) {
    if (aggregate === "min") {
      let m = Infinity;
      for (let k = 0; k < K; k++) m = Math.min(m, rewards[k][i]);
      out[i] = m;
      continue;
    }
    let mean = 0;
    for (let k = 0; k < K; k++) mean += rewards[k][i];
    mean /= K;
    let ss = 0;
    for (let k = 0; k < K; k++) ss += (rewards[k][i] - mean) ** 2;
    out[i] = mean - sdWeight * (K > 1 ? Math.sqrt(ss / (K - 1)) : 0);
  }
  return out;
}

/** The Gibbs policy of the ensemble's aggregate reward, fitted on offline pairs. */
export function rewardEnsemblePolicy(
  problem: BanditProblem,
  data: PreferenceDataset,
  rng: Rng,
  options: { readonly members?: number; readonly aggregate?: EnsembleAggregate; readonly sdWeight?: number } = {},
): { policy: Policy; spread: number } {
  const rewards = bootstrapRewards(problem, data, options.members ?? ENSEMBLE_DEFAULTS.members, rng);
  const reward = aggregateRewards(rewards, options.aggregate ?? "min", options.sdWeight ?? ENSEMBLE_DEFAULTS.sdWeight);
  const policy = gibbsPolicy(problem.reference, reward, problem.eta).policy;
  // what a row records: the members' mean spread (max − min) under π0, the ensemble's own uncertainty signal
  const { contexts: X, actions: A } = problem;
  let spread = 0;
  for (let i = 0; i < X * A; i++) {
    let lo = Infinity,
      hi = -Infinity;
    for (const r of rewards) {
      lo = Math.min(lo, r[i]);
      hi = Math.max(hi, r[i]);
    }
    spread += problem.reference.probs[i] * problem.contextWeights[Math.floor(i / A)] * (hi - lo);
  }
  return { policy, spread };
}

/** The `reward-ensemble` algorithm: the Gibbs policy of a bootstrap BT ensemble's min or mean − λ·sd. */
export const rewardEnsembleAlgorithm = defineAlgorithm({
  name: "reward-ensemble",
  track: "practical",
  description: "Gibbs policy of K bootstrap BT reward models' minimum (or mean − λ·sd), centred at π0, on π0 pairs",
  params: z
    .object({
      members: z.number().int().min(1).default(ENSEMBLE_DEFAULTS.members),
      aggregate: z.enum(["min", "mean-sd"]).default("min"),
      sdWeight: z.number().min(0).default(ENSEMBLE_DEFAULTS.sdWeight),
    })
    .strict(),
  supports: ["bandit"],
  run(ctx, p) {
    const r = rewardEnsemblePolicy(ctx.problem, ctx.offlineData(ctx.budget), ctx.rng, p);
    return { policy: r.policy, diagnostics: { ensembleSpread: r.spread } };
  },
});
