import { type KlEstimatorMoments, klMomentsFromExpectations } from "@gsh/core";
import type { FactoredGibbsPolicy } from "./gibbs-policy";
import { type SequenceProblem, referenceRow } from "./problem";

// The exact moments of the KL estimators k1, k2, k3 under a Gibbs-family sequence policy, by backward passes over π0's
// chain: ℓ = log π/π0 = R(y)/η − log Z(x) with R a sum of bigram terms, so every expectation the estimators need is
// E_{π0}[e^{κR/η}(R/η)^i], a polynomial-times-exponential of an additive functional of a Markov chain.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

const BINOMIAL = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]];

/**
 * G_i(x) = E_{π0}[e^{κR/η}(R/η)^i | x], i = 0..J (J ≤ 4), for every prompt, by a backward pass: after r tokens remain,
 * M_i(s) = Σ_v π0(v|x,s)·e^{κb(s,v)/η}·Σ_m C(i,m)(b(s,v)/η)^m·M'_{i−m}(v). O(L·V²·J²); the pass is shared by all
 * prompts where π0's rows are.
 */
function exponentialMoments(problem: SequenceProblem, policy: FactoredGibbsPolicy, kappa: number, J: number) {
  const { vocab: V, length: L, prompts: X, reference } = problem;
  const { bigram: b, eta } = policy;
  const K = J + 1;
  const step = (x: number, s: number, next: Float64Array, out: Float64Array, o: number) => {
    const row = referenceRow(problem, x, s) * V;
    const pw = new Float64Array(K);
    for (let v = 0; v < V; v++) {
      const p = reference[row + v];
      if (!(p > 0)) continue;
      const beta = b[s * V + v] / eta;
      const w = p * Math.exp(kappa * beta);
      pw[0] = 1;
      for (let m = 1; m < K; m++) pw[m] = pw[m - 1] * beta;
      for (let i = 0; i < K; i++) {
        let acc = 0;
        for (let m = 0; m <= i; m++) acc += BINOMIAL[i][m] * pw[m] * next[v * K + i - m];
        out[o + i] += w * acc;
      }
    }
  };
  const tail = (x: number) => {
    let M = new Float64Array(V * K);
    for (let v = 0; v < V; v++) M[v * K] = 1;
    for (let r = 1; r < L; r++) {
      const N = new Float64Array(V * K);
      for (let s = 0; s < V; s++) step(x, s, M, N, s * K);
      M = N;
    }
    return M;
  };
  const shared = problem.referenceLayout === "shared" ? tail(0) : null;
  const G = new Float64Array(X * K);
  for (let x = 0; x < X; x++) step(x, V, shared ?? tail(x), G, x * K);
  return G;
}

/**
 * The largest π0(y|x)/π(y|x) = e^{log Z(x) − R(y)/η} over π0's support (a min-sum pass for the smallest R), with the
 * probability d0(x)·π(y*|x) of drawing the response that attains it.
 */
function referenceRatioTail(problem: SequenceProblem, policy: FactoredGibbsPolicy) {
  const { vocab: V, length: L, prompts: X, reference, contextWeights } = problem;
  const { bigram: b, eta, logZ } = policy;
  // best[r][s]: min over the r remaining tokens after state s; pick[r][s] the next token on that path.
  const pass = (x: number) => {
    const best: Float64Array[] = [new Float64Array(V)];
    const pick: Int32Array[] = [new Int32Array(V)];
    for (let r = 1; r < L; r++) {
      const cur = new Float64Array(V).fill(Infinity),
        arg = new Int32Array(V);
      for (let s = 0; s < V; s++) {
        const row = referenceRow(problem, x, s) * V;
        for (let v = 0; v < V; v++) {
          if (!(reference[row + v] > 0)) continue;
          const c = b[s * V + v] + best[r - 1][v];
          if (c < cur[s]) {
            cur[s] = c;
            arg[s] = v;
          }
        }
      }
      best.push(cur);
      pick.push(arg);
    }
    return { best, pick };
  };
  const shared = problem.referenceLayout === "shared" ? pass(0) : null;
  let ratio = 0,
    probability = 0;
  for (let x = 0; x < X; x++) {
    const { best, pick } = shared ?? pass(x);
    const start = referenceRow(problem, x, V) * V;
    let first = -1,
      low = Infinity;
    for (let v = 0; v < V; v++) {
      if (!(reference[start + v] > 0)) continue;
      const c = b[V * V + v] + best[L - 1][v];
      if (c < low) {
        low = c;
        first = v;
      }
    }
    // log π0(y*|x) along the path
    let logP0 = Math.log(reference[start + first]);
    let s = first;
    for (let r = L - 1; r >= 1; r--) {
      const v = pick[r][s];
      logP0 += Math.log(reference[referenceRow(problem, x, s) * V + v]);
      s = v;
    }
    const logRatio = logZ[x] - low / eta;
    const r = Math.exp(logRatio);
    if (r > ratio) {
      ratio = r;
      probability = contextWeights[x] * Math.exp(logP0 - logRatio);
    }
  }
  return { ratio, probability };
}

/**
 * The exact mean and variance of k1, k2, k3 under a Gibbs-family sequence policy π = π0·e^{ℓ}, with the tail of
 * π0/π: E_π f(ℓ) = E_{π0}[e^{ℓ} f(ℓ)], so E_π ℓ^j needs κ = 1, E_π e^{−ℓ} and E_π ℓe^{−ℓ} need κ = 0 and
 * E_π e^{−2ℓ} = E_{π0} e^{−ℓ} needs κ = −1, each expanded in powers of ℓ = R/η − log Z(x) and averaged over d0.
 */
export function gibbsKlMoments(problem: SequenceProblem, policy: FactoredGibbsPolicy): KlEstimatorMoments {
  const { prompts: X, contextWeights: w } = problem;
  const plus = exponentialMoments(problem, policy, 1, 4);
  const flat = exponentialMoments(problem, policy, 0, 1);
  const minus = exponentialMoments(problem, policy, -1, 0);
  const e = { l1: 0, l2: 0, l4: 0, expNeg: 0, expNeg2: 0, lExpNeg: 0 };
  for (let x = 0; x < X; x++) {
    const c = -policy.logZ[x];
    // E[e^{κℓ}ℓ^j | x] = e^{κc}·Σ_i C(j,i)·G_i·c^{j−i}
    const moment = (G: Float64Array, K: number, kappa: number, j: number) => {
      let s = 0;
      for (let i = 0; i <= j; i++) s += BINOMIAL[j][i] * G[x * K + i] * c ** (j - i);
      return Math.exp(kappa * c) * s;
    };
    e.l1 += w[x] * moment(plus, 5, 1, 1);
    e.l2 += w[x] * moment(plus, 5, 1, 2);
    e.l4 += w[x] * moment(plus, 5, 1, 4);
    e.expNeg += w[x] * moment(flat, 2, 0, 0);
    e.lExpNeg += w[x] * moment(flat, 2, 0, 1);
    e.expNeg2 += w[x] * moment(minus, 1, -1, 0);
  }
  return { ...klMomentsFromExpectations(e), tail: referenceRatioTail(problem, policy) };
}
