import {
  AliasTable,
  type GshError,
  type Policy,
  type Rng,
  invalidArgument,
  linearReward,
  rowSamplers,
  uniformPolicy,
} from "@gsh/core";
import {
  type BanditProblem,
  type FactoredGibbsPolicy,
  type GibbsFamily,
  PreferenceDataset,
  type SequenceProblem,
  bigramReward,
  factoredGibbsPolicy,
  finiteGibbsFamily,
  linearSequenceGibbs,
  sampleGibbsSequence,
  sequenceFeatures,
  sequenceGibbsFamily,
  sequenceReward,
  winnerMinusLoser,
} from "@gsh/preference";

// What online GSHF and its exploration rules need of an environment kind, so that each is written once: the Gibbs
// family, samplers of its members' responses (and of π0's and the uniform's), and the features of a response. A
// response R is an action index on finite bandits and a token sequence on the sequence bandit.

/** Draws responses to a context from one policy. */
export interface ResponseSampler<R> {
  /** One response to context x; a sequence is written into `into` (and returned), an action ignores it. */
  draw(x: number, rng: Rng, into: R): R;
}

/** The environment kind as exploration rules see it (never the truth). */
export interface ExplorationWorld<R> {
  /** "finite": responses are the A actions of a bandit; "sequence": token sequences of the sequence bandit. */
  readonly kind: "finite" | "sequence";
  readonly dim: number;
  /** The Gibbs family π_θ ∝ π0·exp(<θ, φ>/η) of the kind (moments, tilts), as the enhancer and VPO use it. */
  readonly family: GibbsFamily;
  /** A buffer holding one response (an L-token array on sequences; a number on finite bandits). */
  slot(): R;
  /** A sampler of π_θ's responses, the Gibbs-family member of θ. */
  member(theta: Float64Array): ResponseSampler<R>;
  /** π0's responses. */
  readonly reference: ResponseSampler<R>;
  /** Uniform responses (every action, or every token independently). */
  readonly uniform: ResponseSampler<R>;
  /** φ(x, y), written into `out` (length d). */
  features(x: number, y: R, out: Float64Array): Float64Array;
  /** y ↦ <θ, φ(x, y)>, the estimated reward of a response. */
  scorer(theta: Float64Array): (x: number, y: R) => number;
  /** Every response to context x where they can be enumerated (finite actions); absent on sequences. */
  readonly responses?: (x: number) => readonly R[];
  /** What only a finite action set offers: its problem, and samplers of any policy table (XPO's exploring policy). */
  readonly finite?: { readonly problem: BanditProblem; sampler(policy: Policy): ResponseSampler<R> };
  /**
   * The key of the bootstrap rule's stream below the rule's stream (null: the rule's stream itself): the two kinds
   * were written separately and drew their ensembles from different streams, which every result since reproduces.
   */
  readonly bootstrapKey: string | null;
}

/** The world with what the online loop itself needs: contexts, records, BT rows and the output policy P. */
export interface OnlineWorld<R, P> extends ExplorationWorld<R> {
  /** A context x ~ d0. */
  context(rng: Rng): number;
  dataset(capacity: number): PreferenceDataset;
  /** Appends the labelled pair (y1, y2) at x to `data`. */
  record(data: PreferenceDataset, x: number, y1: R, y2: R, label: 0 | 1): void;
  /** The rows z_i = φ(winner) − φ(loser) of `data` (n × d). */
  rows(data: PreferenceDataset): Float64Array;
  /** Offline data this kind cannot read (a typed error), or null. */
  checkOffline(data: PreferenceDataset): GshError | null;
  /** The Gibbs policy of θ, as the algorithm returns it. */
  policy(theta: Float64Array): P;
}

/** Samplers of a policy table's rows (one alias table per context). */
function tableSampler(policy: Policy): ResponseSampler<number> {
  const tables = rowSamplers(policy.probs, policy.contexts, policy.actions);
  return { draw: (x, rng) => tables[x].sample(rng) };
}

/** A sampler built on its first draw (members no rule draws from cost nothing). */
export function lazySampler<R>(make: () => ResponseSampler<R>): ResponseSampler<R> {
  let s: ResponseSampler<R> | null = null;
  return { draw: (x, rng, into) => (s ??= make()).draw(x, rng, into) };
}

/** The world of a finite-action bandit: actions drawn from policy tables by alias tables. */
export function finiteOnlineWorld(problem: BanditProblem): OnlineWorld<number, Policy> {
  const { contexts: X, actions: A, dim: d, features } = problem;
  const family = finiteGibbsFamily(problem);
  const contexts = new AliasTable(problem.contextWeights);
  const all = Array.from({ length: A }, (_, a) => a);
  return {
    kind: "finite",
    dim: d,
    family,
    slot: () => 0,
    member: (theta) => tableSampler(family.policyOf(theta)),
    reference: lazySampler(() => tableSampler(problem.reference)),
    uniform: lazySampler(() => tableSampler(uniformPolicy(X, A))),
    features: (x, a, out) => {
      out.set(features.values.subarray((x * A + a) * d, (x * A + a + 1) * d));
      return out;
    },
    scorer: (theta) => {
      const scores = linearReward(features, theta);
      return (x, a) => scores[x * A + a];
    },
    responses: () => all,
    finite: { problem, sampler: tableSampler },
    bootstrapKey: "bootstrap",
    context: (rng) => contexts.sample(rng),
    dataset: (capacity) => new PreferenceDataset(capacity),
    record: (data, x, a1, a2, label) => data.push(x, a1, a2, label),
    rows: (data) => winnerMinusLoser(data, features),
    checkOffline: () => null,
    policy: (theta) => family.policyOf(theta),
  };
}

/**
 * y uniform over Vᴸ, drawn as a table of rows 1/V would be (u scaled by the row's sum, then walked), so the draws
 * equal those of `sampleSequence` on a uniform Markov table without its X·L·(V+1)·V numbers.
 */
function sampleUniformSequence(V: number, rng: Rng, out: Int32Array): Int32Array {
  const q = 1 / V;
  let total = 0;
  for (let v = 0; v < V; v++) total += q;
  for (let t = 0; t < out.length; t++) {
    let u = rng.uniform() * total;
    let pick = V - 1;
    for (let v = 0; v < V; v++) {
      if (u < q) {
        pick = v;
        break;
      }
      u -= q;
    }
    out[t] = pick;
  }
  return out;
}

/**
 * The world of the sequence bandit: every policy a rule forms is a Gibbs-family member (Markov, sampled exactly from
 * its factored form) or π0/uniform; features of sampled responses come from the learner's view ψ.
 */
export function sequenceOnlineWorld(problem: SequenceProblem): OnlineWorld<Int32Array, FactoredGibbsPolicy> {
  const { dim: d, length: L, vocab: V } = problem;
  const gibbs = (g: FactoredGibbsPolicy): ResponseSampler<Int32Array> => ({
    draw: (x, rng, into) => sampleGibbsSequence(g, x, rng, into),
  });
  return {
    kind: "sequence",
    dim: d,
    family: sequenceGibbsFamily(problem),
    slot: () => new Int32Array(L),
    member: (theta) => gibbs(linearSequenceGibbs(problem, theta)),
    // π0 is the Gibbs policy of the zero reward.
    reference: lazySampler(() => gibbs(factoredGibbsPolicy(problem, new Float64Array((V + 1) * V)))),
    uniform: { draw: (_x, rng, into) => sampleUniformSequence(V, rng, into) },
    features: (_x, y, out) => sequenceFeatures(problem, y, out as Float64Array<ArrayBuffer>),
    scorer: (theta) => {
      const b = bigramReward(problem, theta);
      return (_x, y) => sequenceReward(b, V, y);
    },
    bootstrapKey: null,
    context: (rng) => rng.categorical(problem.contextWeights),
    dataset: (capacity) => new PreferenceDataset(capacity, d),
    record: (() => {
      const f1 = new Float64Array(d),
        f2 = new Float64Array(d);
      return (data: PreferenceDataset, x: number, y1: Int32Array, y2: Int32Array, label: 0 | 1) =>
        data.pushWithFeatures(x, -1, -1, label, sequenceFeatures(problem, y1, f1), sequenceFeatures(problem, y2, f2));
    })(),
    rows: (data) => winnerMinusLoser(data, null),
    checkOffline: (data) =>
      data.featureDim === d
        ? null
        : invalidArgument("offlineData", `records carry ${data.featureDim} features, d = ${problem.dim}`),
    policy: (theta) => linearSequenceGibbs(problem, theta),
  };
}

/** The exploration world of a finite-action bandit (for building a rule's state outside online GSHF). */
export const finiteWorld = (problem: BanditProblem): ExplorationWorld<number> => finiteOnlineWorld(problem);

/** The exploration world of the sequence bandit (for building a rule's state outside online GSHF). */
export const sequenceWorld = (problem: SequenceProblem): ExplorationWorld<Int32Array> => sequenceOnlineWorld(problem);
