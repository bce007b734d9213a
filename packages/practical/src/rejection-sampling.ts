import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, type Rng, invalidArgument } from "@gsh/core";

/** Costs of a sampler, reported beside preference queries. */
export interface SamplingCosts {
  candidatesSampled: number;
  rewardModelCalls: number;
}

/**
 * RSO's statistical rejection sampler (Liu et al. 2023) for one prompt: target π_r ∝ π0·e^{r/η}. Given N candidates
 * drawn from π0 and their rewards, repeat until k are accepted: r_max = the largest reward among the candidates not
 * yet accepted; visit those candidates in random order and accept each with probability exp((r − r_max)/η); remove
 * the accepted ones. Returns the indices (into `candidates`) in acceptance order; fewer than k if the candidates run
 * out. Exact only as N → ∞ (r_max is the largest *seen* reward). As η → ∞ it returns π0 samples; as η → 0, best-of-N.
 */
export function statisticalRejectionSample(rewards: ArrayLike<number>, k: number, eta: number, rng: Rng): number[] {
  return rejectionSampleWithLogAcceptance(
    Float64Array.from(rewards, (r) => r / eta),
    k,
    rng,
  );
}

/**
 * The general form used by RSO and multi-step RS: candidate i has log-weight s_i (acceptance ∝ e^{s_i}), normalized
 * in each pass by the largest s among the remaining candidates.
 */
export function rejectionSampleWithLogAcceptance(logWeights: ArrayLike<number>, k: number, rng: Rng): number[] {
  const n = logWeights.length;
  let remaining = Array.from({ length: n }, (_, i) => i);
  const accepted: number[] = [];
  while (accepted.length < k && remaining.length > 0) {
    let smax = -Infinity;
    for (const i of remaining) if (logWeights[i] > smax) smax = logWeights[i];
    rng.shuffle(remaining);
    const keep: number[] = [];
    for (const i of remaining) {
      if (accepted.length < k && rng.uniform() < Math.exp(logWeights[i] - smax)) accepted.push(i);
      else keep.push(i);
    }
    remaining = keep;
  }
  return accepted;
}

/** N i.i.d. draws from one row of a policy table. */
export function drawCandidates(table: AliasTable, n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => table.sample(rng));
}

/** Best-of-n: the index of the highest reward (ties broken uniformly at random). */
export function bestOfN(rewards: ArrayLike<number>, rng: Rng): number {
  let best = -Infinity;
  let pick = -1;
  let ties = 0;
  for (let i = 0; i < rewards.length; i++) {
    if (rewards[i] > best) {
      best = rewards[i];
      pick = i;
      ties = 1;
    } else if (rewards[i] === best && rng.int(++ties) === 0) pick = i;
  }
  return pick;
}

/**
 * The default size of a rejection sampler's synthetic dataset on sequences and for multi-step RS, in pairs. Synthetic
 * pairs cost compute (candidates and reward-model calls), not preference queries. On sequences every pair is a
 * training row (responses rarely repeat), so the cost grows with the pairs and the default stays at 16384, short of
 * RSO's asymptote (on R it leaves RSO 1.09× MLE-Gibbs of the same 1000 queries; see `FINITE_SYNTHETIC_PAIRS`).
 */
export const DEFAULT_SYNTHETIC_PAIRS = 16384;

/**
 * RSO's default on finite actions, 65536 = 2¹⁶: there training runs on distinct (x, a, a′) rows with counts, so only
 * sampling grows with the pairs. The rule: the smallest power of 4 from 16384 at which RSO (N = 64, k = 8) is within
 * 5% of MLE-Gibbs of the same queries on R (η = 0.1, 1000 queries, 20 seeds), RSO's limit as its pairs grow.
 * Measured (README, "RSO at its asymptote"): 1.089× at 16384, 1.032× at 65536, 1.013× at 262144; N = 256 candidates
 * instead of 64 did not help at 65536 (1.061×), so the pairs, not the pool, set the residual.
 */
export const FINITE_SYNTHETIC_PAIRS = 65536;

/** RSO's default synthetic pairs for an environment kind (the two constants above). */
export const rsoDefaultPairs = (kind: "bandit" | "non-transitive" | "sequence"): number =>
  kind === "sequence" ? DEFAULT_SYNTHETIC_PAIRS : FINITE_SYNTHETIC_PAIRS;

/**
 * Prompts needed for `syntheticPairs` pairs (default 16384) when k ≥ 2 samples are accepted per prompt and paired
 * consecutively (⌊k/2⌋ pairs a prompt; pairs whose two samples coincide are later dropped as uninformative, so the
 * realised count can be lower, and is reported). A pair count that is not an integer ≥ 1 is refused.
 */
export function syntheticPrompts(
  syntheticPairs: number = DEFAULT_SYNTHETIC_PAIRS,
  accepted: number,
): E.Either<GshError, number> {
  if (!(Number.isInteger(syntheticPairs) && syntheticPairs >= 1))
    return E.left(invalidArgument("syntheticPairs", `need an integer ≥ 1, got ${syntheticPairs}`));
  return E.right(Math.ceil(syntheticPairs / Math.floor(accepted / 2)));
}

/**
 * Prompts P, candidates N and accepted k of a rejection sampler: N and k defaulted (64, 8) and checked (2 ≤ k ≤ N),
 * P from the synthetic pairs wanted (`syntheticPrompts`).
 */
export function samplingSizes(o: {
  readonly syntheticPairs?: number;
  readonly candidates?: number;
  readonly accepted?: number;
}): E.Either<GshError, { P: number; N: number; k: number }> {
  const N = o.candidates ?? 64;
  const k = o.accepted ?? 8;
  if (!(Number.isInteger(N) && N >= 2)) return E.left(invalidArgument("candidates", `need N ≥ 2, got ${N}`));
  if (!(Number.isInteger(k) && k >= 2 && k <= N))
    return E.left(invalidArgument("accepted", `need 2 ≤ k ≤ N, got ${k}`));
  const P = syntheticPrompts(o.syntheticPairs, k);
  return E.isLeft(P) ? P : E.right({ P: P.right, N, k });
}

/** RSO's pairing: consecutive accepted samples (1st with 2nd, 3rd with 4th, …). */
export function consecutivePairs<T>(accepted: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i + 1 < accepted.length; i += 2) out.push([accepted[i], accepted[i + 1]]);
  return out;
}

/**
 * Multi-step (annealed) rejection sampling's acceptance log-weights for step i (spec §5):
 * - with the exact step i−1 Gibbs policy as proposal: (1/η_i − 1/η_{i−1})·r (η₀ = ∞ is π0);
 * - with a fitted proposal π_fit: log π0 + r/η_i − log π_fit.
 * Both are normalized by the largest value among the candidates inside the sampler.
 */
export function annealedLogWeights(rewards: ArrayLike<number>, etaStep: number, etaPrevious: number): Float64Array {
  const c = 1 / etaStep - (Number.isFinite(etaPrevious) ? 1 / etaPrevious : 0);
  return Float64Array.from(rewards, (r) => c * r);
}

export function fittedLogWeights(
  rewards: ArrayLike<number>,
  logPi0: ArrayLike<number>,
  logPiFit: ArrayLike<number>,
  etaStep: number,
): Float64Array {
  return Float64Array.from(rewards, (r, i) => logPi0[i] + r / etaStep - logPiFit[i]);
}

/** The default annealing schedule: K = 3 with η₁ = 10η, η₂ = √10·η, η₃ = η. */
export function defaultSchedule(eta: number): number[] {
  return [10 * eta, Math.sqrt(10) * eta, eta];
}
