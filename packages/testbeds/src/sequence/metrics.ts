import * as E from "fp-ts/lib/Either";
import type { Rng } from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type MarkovPolicy,
  type SequencePolicy,
  type SequenceProblem,
  ENUMERATION_LIMIT,
  gibbsMixtureOccupancy,
  gibbsOccupancy,
  referenceLogProb,
  referenceLogTable,
  referenceRows,
  sequenceReward,
  stateMarginals,
  stride,
} from "@gsh/preference";
import type { SequenceInstance, SequenceMetrics, SequenceTruth } from "./instance";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * Exact metrics of a Markov policy against the truth (b* and the optimal Markov policy), by a forward pass:
 * E r = Σ_t Σ_s μ_t(s) Σ_v π_t(v|s) b*(s,v), KL to π0 and to π* by the chain rule.
 */
export function evaluateMarkovPolicy(
  problem: SequenceProblem,
  truth: SequenceTruth,
  policy: MarkovPolicy,
): SequenceMetrics {
  const { prompts: X, vocab: V, length: L } = problem;
  const S = stride(problem);
  const w = problem.contextWeights;
  let reward = 0;
  let kl0 = 0;
  let klStar = 0;
  const logQ0 = new Float64Array(S);
  for (let x = 0; x < X; x++) {
    const mu = stateMarginals(policy, x);
    referenceLogTable(problem, x, logQ0);
    let rx = 0,
      k0 = 0;
    for (let t = 0; t < L; t++) {
      for (let s = 0; s <= V; s++) {
        const m = mu[t * (V + 1) + s];
        if (m === 0) continue;
        const o = (x * L + t) * S + s * V;
        let r = 0,
          a = 0;
        for (let v = 0; v < V; v++) {
          const p = policy.probs[o + v];
          if (p === 0) continue;
          r += p * truth.bigram[s * V + v];
          a += p * (Math.log(p) - logQ0[s * V + v]); // +Infinity where π0 = 0 < π
        }
        rx += m * r;
        k0 += m * Math.max(0, a);
      }
    }
    reward += w[x] * rx;
    kl0 += w[x] * k0;
    // KL(π‖π*) = KL(π‖π0) − E_π r*/η + log Z(x), since log π* = log π0 + r*/η − log Z (one log per entry, not two).
    klStar += w[x] * Math.max(0, k0 - rx / problem.eta + truth.logZ[x]);
  }
  return {
    objective: reward - problem.eta * kl0,
    subopt: problem.eta * klStar,
    trueReward: reward,
    klToReference: kl0,
  };
}

/**
 * Exact metrics of a factored Gibbs policy: E r* from the occupancy, KL(π‖π0) = E_π[Σb]/η − log Z_b and
 * KL(π‖π*) = KL(π‖π0) − (E_π r*) / η + log Z*, per prompt (the identities of log π/π0 for Gibbs policies); with a
 * shared π0 from the mixture's occupancy, since all three are linear in it.
 */
export function evaluateGibbsPolicy(
  problem: SequenceProblem,
  truth: Pick<SequenceTruth, "bigram" | "logZ">,
  policy: FactoredGibbsPolicy,
): SequenceMetrics {
  const { prompts: X, vocab: V, eta, contextWeights: w } = problem;
  const S = (V + 1) * V;
  const occ = new Float64Array(S);
  let reward = 0,
    kl0 = 0,
    klStar = 0;
  if (policy.referenceLayout === "shared") {
    gibbsMixtureOccupancy(policy, w, occ);
    let eb = 0;
    for (let i = 0; i < S; i++) {
      eb += occ[i] * policy.bigram[i];
      reward += occ[i] * truth.bigram[i];
    }
    let logZb = 0,
      logZstar = 0;
    for (let x = 0; x < X; x++) {
      logZb += w[x] * policy.logZ[x];
      logZstar += w[x] * truth.logZ[x];
    }
    kl0 = Math.max(0, eb / policy.eta - logZb);
    klStar = Math.max(0, kl0 - reward / eta + logZstar);
    return { objective: reward - eta * kl0, subopt: eta * klStar, trueReward: reward, klToReference: kl0 };
  }
  for (let x = 0; x < X; x++) {
    gibbsOccupancy(policy, x, occ);
    let eb = 0,
      er = 0;
    for (let i = 0; i < S; i++) {
      eb += occ[i] * policy.bigram[i];
      er += occ[i] * truth.bigram[i];
    }
    const k0 = Math.max(0, eb / policy.eta - policy.logZ[x]);
    reward += w[x] * er;
    kl0 += w[x] * k0;
    klStar += w[x] * Math.max(0, k0 - er / eta + truth.logZ[x]);
  }
  return { objective: reward - eta * kl0, subopt: eta * klStar, trueReward: reward, klToReference: kl0 };
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
