import * as E from "fp-ts/lib/Either";
import type { Rng } from "@gsh/core";
import {
  type MarkovPolicy,
  type SequenceInstance,
  type SequenceMetrics,
  type SequenceProblem,
  referenceRows,
  stride,
} from "./problem";
import { evaluateMarkovPolicy, sequenceReward } from "./dp";
import { referenceLogProb, sampleSequence, sequenceLogProb } from "./sampler";
import {
  type FactoredGibbsPolicy,
  evaluateGibbsPolicy,
  gibbsSequenceLogProb,
  sampleGibbsSequence,
} from "./gibbs-policy";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/** Responses per prompt above which a sequence policy is not enumerated (Vᴸ; S's default 8⁶ is at the limit). */
export const ENUMERATION_LIMIT = 2 ** 18;

/**
 * A policy over sequences, in one of the three forms the environment can score:
 * - `markov`: a (position-dependent) Markov table, scored exactly by the DP;
 * - `gibbs`: a Gibbs policy π0·e^{Σb/η} in factored form (kernel and backward messages), scored exactly by the DP's
 *   identities: the form for every Gibbs-family member (MLE-Gibbs, Option I, online main agents and tilts);
 * - `enumerated`: log π(y|x) for every response (X × Vᴸ in `enumerateResponses` order), scored exactly by
 *   enumeration (Option II's non-Markov pessimistic policy; only up to `ENUMERATION_LIMIT` responses per prompt);
 * - `sampler`: any autoregressive model that can draw responses and report their log-probabilities (full-prefix
 *   neural policies). Its KL and SubOpt are unbiased Monte-Carlo means, since log π*(y) is exact per sequence.
 */
export type SequencePolicy =
  | { readonly kind: "markov"; readonly markov: MarkovPolicy }
  | { readonly kind: "gibbs"; readonly gibbs: FactoredGibbsPolicy }
  | {
      readonly kind: "enumerated";
      readonly prompts: number;
      readonly vocab: number;
      readonly length: number;
      readonly logProbs: Float64Array;
    }
  | {
      readonly kind: "sampler";
      readonly prompts: number;
      /** n responses for prompt x (n×L, row-major) with log π(y|x) of each. */
      sample(x: number, n: number, rng: Rng): { readonly responses: Int32Array; readonly logProbs: Float64Array };
    };

export const markovSequencePolicy = (markov: MarkovPolicy): Extract<SequencePolicy, { kind: "markov" }> => ({
  kind: "markov",
  markov,
});
export const gibbsSequencePolicy = (gibbs: FactoredGibbsPolicy): Extract<SequencePolicy, { kind: "gibbs" }> => ({
  kind: "gibbs",
  gibbs,
});

/** A policy the learners can both sample from and score exactly: a Markov table or a factored Gibbs policy. */
export type TabularSequencePolicy = Extract<SequencePolicy, { kind: "markov" | "gibbs" }>;

/** One exact draw y ~ π(·|x) from a Markov table or a factored Gibbs policy. */
export function sampleFromPolicy(policy: TabularSequencePolicy, x: number, rng: Rng, out: Int32Array): Int32Array {
  return policy.kind === "markov"
    ? sampleSequence(policy.markov, x, rng, out)
    : sampleGibbsSequence(policy.gibbs, x, rng, out);
}

/** log π(y|x) of a Markov table or a factored Gibbs policy. */
export function policyLogProb(
  problem: SequenceProblem,
  policy: TabularSequencePolicy,
  x: number,
  y: ArrayLike<number>,
): number {
  return policy.kind === "markov"
    ? sequenceLogProb(policy.markov, x, y)
    : gibbsSequenceLogProb(problem, policy.gibbs, x, y);
}

/** Metrics of a sequence policy; `estimated` ones carry 95% half-widths and the number of samples per prompt. */
export interface SequencePolicyMetrics extends SequenceMetrics {
  readonly estimated: boolean;
  readonly samplesPerPrompt: number;
  /** Half-widths of 95% intervals (1.96 standard errors) when estimated. */
  readonly ci95: {
    readonly subopt: number;
    readonly trueReward: number;
    readonly klToReference: number;
    readonly objective: number;
  } | null;
}

/** log π*(y|x) = log π0(y|x) + r*(y)/η − log Z(x), exact per sequence. */
function truthTerms(instance: SequenceInstance, x: number, y: ArrayLike<number>) {
  const { vocab: V, eta } = instance.problem;
  const r = sequenceReward(instance.truth.bigram, V, y);
  const lp0 = referenceLogProb(instance.problem, x, y);
  return { reward: r, logRef: lp0, logOpt: lp0 + r / eta - instance.truth.logZ[x] };
}

function validateMarkov(instance: SequenceInstance, p: MarkovPolicy): string | null {
  const { prompts: X, vocab: V, length: L } = instance.problem;
  if (p.prompts !== X || p.vocab !== V || p.length !== L)
    return `Markov policy is ${p.prompts} prompts × V=${p.vocab} × L=${p.length}, the problem is ${X} × V=${V} × L=${L}`;
  if (p.probs.length !== X * L * stride(p))
    return `Markov policy has ${p.probs.length} entries, expected ${X * L * stride(p)}`;
  for (let r = 0; r < X * L * (V + 1); r++) {
    let s = 0;
    for (let v = 0; v < V; v++) {
      const q = p.probs[r * V + v];
      if (!(q >= 0) || !Number.isFinite(q)) return `Markov policy row ${r} has entry ${q}`;
      s += q;
    }
    if (Math.abs(s - 1) > 1e-9) return `Markov policy row ${r} sums to ${s}`;
  }
  return null;
}

function exactEnumerated(
  instance: SequenceInstance,
  policy: Extract<SequencePolicy, { kind: "enumerated" }>,
): E.Either<string, SequencePolicyMetrics> {
  const { prompts: X, vocab: V, length: L, eta, contextWeights: w } = instance.problem;
  if (policy.prompts !== X || policy.vocab !== V || policy.length !== L)
    return E.left(
      `enumerated policy is ${policy.prompts} × V=${policy.vocab} × L=${policy.length}, the problem is ${X} × V=${V} × L=${L}`,
    );
  const N = V ** L;
  if (N > ENUMERATION_LIMIT) return E.left(`Vᴸ = ${N} responses exceed the enumeration limit ${ENUMERATION_LIMIT}`);
  if (policy.logProbs.length !== X * N)
    return E.left(`enumerated policy has ${policy.logProbs.length} entries, expected ${X * N}`);
  const y = new Int32Array(L);
  let reward = 0,
    kl0 = 0,
    klStar = 0;
  for (let x = 0; x < X; x++) {
    let mass = 0,
      rx = 0,
      k0 = 0,
      ks = 0;
    y.fill(0);
    for (let i = 0; i < N; i++) {
      const lp = policy.logProbs[x * N + i];
      if (Number.isNaN(lp) || lp > 1e-12)
        return E.left(`enumerated policy has log-probability ${lp} at prompt ${x}, response ${i}`);
      if (lp !== -Infinity) {
        const p = Math.exp(lp);
        const t = truthTerms(instance, x, y);
        mass += p;
        rx += p * t.reward;
        k0 += t.logRef === -Infinity ? Infinity : p * (lp - t.logRef);
        ks += p * (lp - t.logOpt);
      }
      for (let k = L - 1; k >= 0; k--) {
        if (++y[k] < V) break;
        y[k] = 0;
      }
    }
    if (Math.abs(mass - 1) > 1e-9) return E.left(`enumerated policy sums to ${mass} at prompt ${x}`);
    reward += w[x] * rx;
    kl0 += w[x] * Math.max(0, k0);
    klStar += w[x] * Math.max(0, ks);
  }
  return E.right({
    objective: reward - eta * kl0,
    subopt: eta * klStar,
    trueReward: reward,
    klToReference: kl0,
    estimated: false,
    samplesPerPrompt: 0,
    ci95: null,
  });
}

function monteCarlo(
  instance: SequenceInstance,
  policy: Extract<SequencePolicy, { kind: "sampler" }>,
  rng: Rng,
  n: number,
): E.Either<string, SequencePolicyMetrics> {
  const { prompts: X, length: L, vocab: V, eta, contextWeights: w } = instance.problem;
  if (policy.prompts !== X) return E.left(`sampler policy has ${policy.prompts} prompts, the problem has ${X}`);
  // Stratified over prompts: mean_x = Σ_x w_x·(sample mean at x), var = Σ_x w_x²·s²_x / n.
  const est = { reward: [0, 0], kl0: [0, 0], klStar: [0, 0], objective: [0, 0] };
  const acc = (slot: number[], vals: Float64Array, wx: number) => {
    let m = 0;
    for (const v of vals) m += v;
    m /= n;
    let s2 = 0;
    for (const v of vals) s2 += (v - m) * (v - m);
    s2 /= Math.max(1, n - 1);
    slot[0] += wx * m;
    slot[1] += (wx * wx * s2) / n;
  };
  const r = new Float64Array(n),
    k0 = new Float64Array(n),
    ks = new Float64Array(n),
    obj = new Float64Array(n);
  for (let x = 0; x < X; x++) {
    const { responses, logProbs } = policy.sample(x, n, rng.split(`prompt/${x}`));
    if (responses.length !== n * L || logProbs.length !== n)
      return E.left(
        `sampler returned ${responses.length / L} responses and ${logProbs.length} log-probabilities, expected ${n}`,
      );
    for (let i = 0; i < n; i++) {
      const y = responses.subarray(i * L, (i + 1) * L);
      for (let t = 0; t < L; t++)
        if (!(y[t] >= 0 && y[t] < V)) return E.left(`sampler returned token ${y[t]} outside [0, ${V})`);
      const lp = logProbs[i];
      if (!(lp <= 1e-6) || !Number.isFinite(lp)) return E.left(`sampler returned log-probability ${lp}`);
      const t = truthTerms(instance, x, y);
      r[i] = t.reward;
      k0[i] = lp - t.logRef;
      ks[i] = lp - t.logOpt;
      obj[i] = t.reward - eta * (lp - t.logRef);
    }
    acc(est.reward, r, w[x]);
    acc(est.kl0, k0, w[x]);
    acc(est.klStar, ks, w[x]);
    acc(est.objective, obj, w[x]);
  }
  const half = (s: number[]) => 1.96 * Math.sqrt(s[1]);
  return E.right({
    objective: est.objective[0],
    subopt: eta * est.klStar[0],
    trueReward: est.reward[0],
    klToReference: est.kl0[0],
    estimated: true,
    samplesPerPrompt: n,
    ci95: {
      subopt: eta * half(est.klStar),
      trueReward: half(est.reward),
      klToReference: half(est.kl0),
      objective: half(est.objective),
    },
  });
}

/**
 * Scores a sequence policy against the truth, at the environment boundary: exactly for Markov tables (DP) and
 * enumerated policies, by Monte Carlo with 95% intervals for samplers (`samplesPerPrompt` draws per prompt from
 * `rng`, default 256). Refuses (Left) anything that is not a valid distribution.
 */
export function evaluateSequencePolicy(
  instance: SequenceInstance,
  policy: SequencePolicy,
  options: { readonly rng?: Rng; readonly samplesPerPrompt?: number } = {},
): E.Either<string, SequencePolicyMetrics> {
  switch (policy.kind) {
    case "markov": {
      const bad = validateMarkov(instance, policy.markov);
      if (bad) return E.left(bad);
      return E.right({
        ...evaluateMarkovPolicy(instance.problem, instance.truth, policy.markov),
        estimated: false,
        samplesPerPrompt: 0,
        ci95: null,
      });
    }
    case "gibbs": {
      const g = policy.gibbs;
      const { prompts: X, vocab: V, length: L } = instance.problem;
      if (g.prompts !== X || g.vocab !== V || g.length !== L || g.bigram.length !== (V + 1) * V)
        return E.left(
          `Gibbs policy is ${g.prompts} × V=${g.vocab} × L=${g.length}, the problem is ${X} × V=${V} × L=${L}`,
        );
      const layout = instance.problem.referenceLayout ?? "per-prompt";
      if (g.referenceLayout !== layout)
        return E.left(`Gibbs policy has π0 layout '${g.referenceLayout}', the problem has '${layout}'`);
      const shared = layout === "shared";
      if (
        g.kernel.length !== referenceRows(instance.problem) * V ||
        g.messages.length !== (shared ? L : X * L) * (V + 1) ||
        g.normalizers.length !== (shared ? L * (V + 1) + X : X * L * (V + 1))
      )
        return E.left("Gibbs policy tables have the wrong sizes (build it with factoredGibbsPolicy)");
      return E.right({
        ...evaluateGibbsPolicy(instance.problem, instance.truth, g),
        estimated: false,
        samplesPerPrompt: 0,
        ci95: null,
      });
    }
    case "enumerated":
      return exactEnumerated(instance, policy);
    case "sampler": {
      const n = options.samplesPerPrompt ?? 256;
      if (!options.rng) return E.left("a sampler policy needs an rng for its Monte-Carlo evaluation");
      if (!(Number.isInteger(n) && n >= 2)) return E.left(`samplesPerPrompt must be an integer ≥ 2, got ${n}`);
      return monteCarlo(instance, policy, options.rng, n);
    }
    default:
      return E.left(`unknown sequence policy kind '${(policy as { kind: string }).kind}'`);
  }
}

/** A Markov policy seen as a sampler (for tests of the Monte-Carlo path against the exact DP). */
export function markovAsSampler(markov: MarkovPolicy): SequencePolicy {
  const { length: L, vocab: V } = markov;
  const S = stride(markov);
  return {
    kind: "sampler",
    prompts: markov.prompts,
    sample(x, n, rng) {
      const responses = new Int32Array(n * L);
      const logProbs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = V;
        for (let t = 0; t < L; t++) {
          const o = (x * L + t) * S + s * V;
          const v = rng.categorical(markov.probs, o, V);
          logProbs[i] += Math.log(markov.probs[o + v]);
          responses[i * L + t] = v;
          s = v;
        }
      }
      return { responses, logProbs };
    },
  };
}
