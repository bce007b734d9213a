import { Rng, dot, softmaxInto, uniformWeights } from "@gsh/core";
type RngT = Rng;
import { BRADLEY_TERRY, type PreferenceModel, drawLabel } from "./preference-models";
import { PreferenceDataset } from "./dataset";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * The sequence bandit: a response is y = (y₁..y_L) over V tokens (Vᴸ responses), y₀ = the start symbol V.
 * π0 is a bigram model per prompt and φ(x, y) = (1/L)·Σ_t ψ(y_{t−1}, y_t), so every reward linear in φ is a sum
 * over positions of a bigram term b(s, v) = <θ, ψ(s, v)>/L, and its Gibbs policy is again Markov: log Z, J, KL
 * and exact samples come from one backward pass, O(L·V²) per prompt.
 */
export interface SequenceProblem {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly dim: number;
  /** π0(v | x, s): prompts × (V+1) × V, s = V is the start symbol. */
  readonly reference: Float64Array;
  /** ψ(s, v) ∈ R^d: (V+1) × V × d. */
  readonly psi: Float64Array;
  readonly contextWeights: Float64Array;
  readonly eta: number;
  readonly normBound: number;
}

/**
 * A Markov policy that may depend on the position: probs[((x·L + t)·(V+1) + s)·V + v] = π(y_{t+1} = v | x, t, y_t = s)
 * for t = 0..L−1. This class holds every policy the DP can evaluate exactly.
 */
export interface MarkovPolicy {
  readonly prompts: number;
  readonly vocab: number;
  readonly length: number;
  readonly probs: Float64Array;
}

const stride = (p: { vocab: number }) => (p.vocab + 1) * p.vocab;

/** π0 as a (position-independent) Markov policy. */
export function referenceMarkovPolicy(problem: SequenceProblem): MarkovPolicy {
  const { prompts: X, length: L } = problem;
  const S = stride(problem);
  const probs = new Float64Array(X * L * S);
  for (let x = 0; x < X; x++)
    for (let t = 0; t < L; t++) probs.set(problem.reference.subarray(x * S, (x + 1) * S), (x * L + t) * S);
  return { prompts: X, vocab: problem.vocab, length: L, probs };
}

/** b(s, v) = <θ, ψ(s, v)>/L: the per-position reward of a linear reward θ. */
export function bigramReward(problem: SequenceProblem, theta: Float64Array): Float64Array {
  const { vocab: V, dim: d, length: L } = problem;
  const out = new Float64Array((V + 1) * V);
  for (let i = 0; i < out.length; i++) out[i] = dot(problem.psi, theta, d, i * d, 0) / L;
  return out;
}

/**
 * The Gibbs policy of a bigram reward b (shared by all prompts, or per prompt with `perPrompt`), by the backward
 * pass W_t(s) = log Σ_v π0(v|x,s)·exp(b(s,v)/η + W_{t+1}(v)), W_{L}(·) = 0; log Z(x) = W_0(start).
 */
export function sequenceGibbs(
  problem: SequenceProblem,
  b: Float64Array,
  eta: number,
  perPrompt = false,
): { policy: MarkovPolicy; logZ: Float64Array } {
  if (!(eta > 0) || !Number.isFinite(eta)) throw new RangeError(`η must be a finite number > 0, got ${eta}`);
  const { prompts: X, vocab: V, length: L } = problem;
  const S = stride(problem);
  const probs = new Float64Array(X * L * S);
  const logZ = new Float64Array(X);
  const next = new Float64Array(V + 1);
  const cur = new Float64Array(V + 1);
  const row = new Float64Array(V);
  for (let x = 0; x < X; x++) {
    const bx = perPrompt ? x * S : 0;
    next.fill(0);
    for (let t = L - 1; t >= 0; t--) {
      for (let s = 0; s <= V; s++) {
        const o = x * S + s * V;
        for (let v = 0; v < V; v++) {
          const p0 = problem.reference[o + v];
          row[v] = p0 > 0 ? Math.log(p0) + b[bx + s * V + v] / eta + next[v] : -Infinity;
        }
        cur[s] = softmaxInto(row, probs.subarray((x * L + t) * S + s * V, (x * L + t) * S + (s + 1) * V), 0, V);
      }
      next.set(cur);
    }
    logZ[x] = next[V];
  }
  return { policy: { prompts: X, vocab: V, length: L, probs }, logZ };
}

/** State marginals μ_t(s) of a Markov policy for one prompt: an (L+1) × (V+1) table, μ_0 = δ_start. */
export function stateMarginals(policy: MarkovPolicy, x: number): Float64Array {
  const { vocab: V, length: L } = policy;
  const S = stride(policy);
  const mu = new Float64Array((L + 1) * (V + 1));
  mu[V] = 1;
  for (let t = 0; t < L; t++) {
    for (let s = 0; s <= V; s++) {
      const m = mu[t * (V + 1) + s];
      if (m === 0) continue;
      const o = (x * L + t) * S + s * V;
      for (let v = 0; v < V; v++) mu[(t + 1) * (V + 1) + v] += m * policy.probs[o + v];
    }
  }
  return mu;
}

export interface SequenceMetrics {
  readonly objective: number;
  readonly subopt: number;
  readonly trueReward: number;
  readonly klToReference: number;
}

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
  for (let x = 0; x < X; x++) {
    const mu = stateMarginals(policy, x);
    let rx = 0,
      k0 = 0,
      ks = 0;
    for (let t = 0; t < L; t++) {
      for (let s = 0; s <= V; s++) {
        const m = mu[t * (V + 1) + s];
        if (m === 0) continue;
        const o = (x * L + t) * S + s * V;
        let r = 0,
          a = 0,
          c = 0;
        for (let v = 0; v < V; v++) {
          const p = policy.probs[o + v];
          if (p === 0) continue;
          const q0 = problem.reference[x * S + s * V + v];
          const qs = truth.optimal.probs[o + v];
          r += p * truth.bigram[s * V + v];
          a += q0 === 0 ? Infinity : p * Math.log(p / q0);
          c += qs === 0 ? Infinity : p * Math.log(p / qs);
        }
        rx += m * r;
        k0 += m * Math.max(0, a);
        ks += m * Math.max(0, c);
      }
    }
    reward += w[x] * rx;
    kl0 += w[x] * k0;
    klStar += w[x] * ks;
  }
  return {
    objective: reward - problem.eta * kl0,
    subopt: problem.eta * klStar,
    trueReward: reward,
    klToReference: kl0,
  };
}

/** φ(x, π) = E_{y~π(·|x)} φ(x, y) for every prompt: prompts × d. */
export function expectedSequenceFeatures(problem: SequenceProblem, policy: MarkovPolicy): Float64Array {
  const { prompts: X, vocab: V, length: L, dim: d } = problem;
  const S = stride(problem);
  const out = new Float64Array(X * d);
  const occ = new Float64Array(S);
  for (let x = 0; x < X; x++) {
    const mu = stateMarginals(policy, x);
    occ.fill(0);
    for (let t = 0; t < L; t++)
      for (let s = 0; s <= V; s++) {
        const m = mu[t * (V + 1) + s];
        if (m === 0) continue;
        const o = (x * L + t) * S + s * V;
        for (let v = 0; v < V; v++) occ[s * V + v] += m * policy.probs[o + v];
      }
    for (let i = 0; i < S; i++) {
      const c = occ[i] / L;
      if (c === 0) continue;
      for (let k = 0; k < d; k++) out[x * d + k] += c * problem.psi[i * d + k];
    }
  }
  return out;
}

/** One exact sample y ~ π(·|x). */
export function sampleSequence(
  policy: MarkovPolicy,
  x: number,
  rng: RngT,
  out = new Int32Array(policy.length),
): Int32Array {
  const { vocab: V, length: L } = policy;
  const S = stride(policy);
  let s = V;
  for (let t = 0; t < L; t++) {
    const o = (x * L + t) * S + s * V;
    s = rng.categorical(policy.probs, o, V);
    out[t] = s;
  }
  return out;
}

/** log π(y | x) of a Markov policy. */
export function sequenceLogProb(policy: MarkovPolicy, x: number, y: ArrayLike<number>): number {
  const { vocab: V, length: L } = policy;
  const S = stride(policy);
  let s = V;
  let lp = 0;
  for (let t = 0; t < L; t++) {
    lp += Math.log(policy.probs[(x * L + t) * S + s * V + y[t]]);
    s = y[t];
  }
  return lp;
}

/** φ(x, y) = (1/L)·Σ_t ψ(y_{t−1}, y_t). */
export function sequenceFeatures(
  problem: SequenceProblem,
  y: ArrayLike<number>,
  out = new Float64Array(problem.dim),
): Float64Array {
  const { vocab: V, length: L, dim: d } = problem;
  out.fill(0);
  let s = V;
  for (let t = 0; t < L; t++) {
    const o = (s * V + y[t]) * d;
    for (let k = 0; k < d; k++) out[k] += problem.psi[o + k] / L;
    s = y[t];
  }
  return out;
}

export interface SequenceTruth {
  readonly theta: Float64Array;
  /** b*(s, v) = <θ*, ψ(s, v)>/L. */
  readonly bigram: Float64Array;
  readonly optimal: MarkovPolicy;
  readonly logZ: Float64Array;
  /** J(π*) = η·E_x log Z(x). */
  readonly optimalObjective: number;
}

/** A counted preference oracle over responses. */
export interface SequenceOracle {
  query(x: number, y1: ArrayLike<number>, y2: ArrayLike<number>): 0 | 1;
  readonly queries: number;
}

export interface SequenceInstance {
  readonly id: string;
  readonly version: number;
  readonly problem: SequenceProblem;
  readonly truth: SequenceTruth;
  makeOracle(rng: RngT): SequenceOracle;
}

export interface TestbedSParams {
  readonly prompts?: number;
  readonly vocab?: number;
  readonly length?: number;
  readonly dim?: number;
  readonly eta?: number;
  readonly preference?: PreferenceModel;
}

/** The named sizes of testbed S: tiny (tests against enumeration), default, and large (DP only). */
export const SEQUENCE_SIZES = {
  tiny: { prompts: 20, vocab: 4, length: 4, dim: 16 },
  default: { prompts: 20, vocab: 8, length: 6, dim: 16 },
  large: { prompts: 20, vocab: 64, length: 32, dim: 16 },
} as const;

/** S: π0 bigram softmax(g/1) per (prompt, previous symbol), ψ uniform in the unit ball, θ* = 3·(unit vector). */
export function testbedS(seed: number, params: TestbedSParams = {}): SequenceInstance {
  const { prompts: X, vocab: V, length: L, dim: d } = { ...SEQUENCE_SIZES.default, ...params };
  const eta = params.eta ?? 0.1;
  const B = 3;
  const rng = Rng.seeded(seed).split(`testbed/S/v1/${X}x${V}^${L}/d${d}`);
  const S = (V + 1) * V;
  const reference = new Float64Array(X * S);
  const g = new Float64Array(V);
  const rr = rng.split("reference");
  for (let i = 0; i < X * (V + 1); i++) {
    for (let v = 0; v < V; v++) g[v] = rr.normal();
    softmaxInto(g, reference.subarray(i * V, (i + 1) * V), 0, V);
  }
  const psi = new Float64Array(S * d);
  const fr = rng.split("features");
  for (let i = 0; i < S; i++) fr.unitBall(d, psi.subarray(i * d, (i + 1) * d));
  const theta = rng
    .split("theta")
    .unitSphere(d)
    .map((v) => B * v);
  const problem: SequenceProblem = {
    prompts: X,
    vocab: V,
    length: L,
    dim: d,
    reference,
    psi,
    contextWeights: uniformWeights(X),
    eta,
    normBound: B,
  };
  const bigram = bigramReward(problem, theta);
  const { policy, logZ } = sequenceGibbs(problem, bigram, eta);
  let elogZ = 0;
  for (let x = 0; x < X; x++) elogZ += problem.contextWeights[x] * logZ[x];
  const truth: SequenceTruth = { theta, bigram, optimal: policy, logZ, optimalObjective: eta * elogZ };
  const model = params.preference ?? BRADLEY_TERRY;
  const reward = (y: ArrayLike<number>): number => {
    let r = 0;
    let s = V;
    for (let t = 0; t < L; t++) {
      r += bigram[s * V + y[t]];
      s = y[t];
    }
    return r;
  };
  return {
    id: "S",
    version: 1,
    problem,
    truth,
    makeOracle(orng) {
      let count = 0;
      return {
        get queries() {
          return count;
        },
        query(x, y1, y2) {
          if (!(x >= 0 && x < X) || y1.length !== L || y2.length !== L)
            throw new RangeError(`query needs a prompt in [0, ${X}) and two responses of length ${L}`);
          count++;
          return drawLabel(model, reward(y1) - reward(y2), orng);
        },
      };
    },
  };
}

/** Every response of length L over V tokens, in lexicographic order (Vᴸ of them): for tests on tiny settings. */
export function enumerateResponses(vocab: number, length: number): Int32Array[] {
  const total = vocab ** length;
  if (total > 1 << 20) throw new RangeError(`refusing to enumerate ${total} responses`);
  const out: Int32Array[] = [];
  for (let i = 0; i < total; i++) {
    const y = new Int32Array(length);
    let k = i;
    for (let t = length - 1; t >= 0; t--) {
      y[t] = k % vocab;
      k = Math.floor(k / vocab);
    }
    out.push(y);
  }
  return out;
}

/**
 * Offline data on the sequence bandit: x ~ d0, y¹, y² ~ π0(·|x) i.i.d., one counted query each. Records carry
 * φ(x, y¹), φ(x, y²); a1/a2 hold the response's index in `enumerateResponses` order (base-V code) when Vᴸ < 2³¹,
 * else −1. Depends on (seed, instance) only; nested in n.
 */
export function sampleSequenceOfflineData(
  instance: SequenceInstance,
  n: number,
  seed: number,
): { data: PreferenceDataset; queries: number } {
  const { problem } = instance;
  const { vocab: V, length: L, dim: d } = problem;
  const rng = Rng.seeded(seed).split(`data/${instance.id}/v${instance.version}/reference`);
  const oracle = instance.makeOracle(rng.split("labels"));
  const draw = rng.split("pairs");
  const pi0 = referenceMarkovPolicy(problem);
  const data = new PreferenceDataset(n, d);
  const y1 = new Int32Array(L),
    y2 = new Int32Array(L);
  const f1 = new Float64Array(d),
    f2 = new Float64Array(d);
  const code = (y: Int32Array) => {
    if (V ** L >= 2 ** 31) return -1;
    let k = 0;
    for (let t = 0; t < L; t++) k = k * V + y[t];
    return k;
  };
  for (let i = 0; i < n; i++) {
    const x = draw.categorical(problem.contextWeights);
    sampleSequence(pi0, x, draw, y1);
    sampleSequence(pi0, x, draw, y2);
    data.pushWithFeatures(
      x,
      code(y1),
      code(y2),
      oracle.query(x, y1, y2),
      sequenceFeatures(problem, y1, f1),
      sequenceFeatures(problem, y2, f2),
    );
  }
  return { data, queries: oracle.queries };
}
