import { forwardSubstitute, prefixTreeLeaves } from "@gsh/core";
import {
  type Covariance,
  type FactoredGibbsPolicy,
  type MarkovPolicy,
  type SequencePolicy,
  type SequenceProblem,
  bigramReward,
  gibbsRows,
  markovRows,
  referenceLogTable,
} from "@gsh/preference";

// The one piece of offline GSHF that is specific to the sequence bandit: Option II's bonus β‖φ(x,y) − ν(x)‖_{Σ⁻¹}
// does not add over positions, so its policy and its bound are computed by streaming over all Vᴸ responses of each
// prompt (the caller refuses sizes above `ENUMERATION_LIMIT`), the norm accumulated along the prefix tree as
// ‖L⁻¹(φ − ν)‖ (Σ = LLᵀ), O(d) per response.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Per-bigram table [b̂(s,v) | L⁻¹ψ(s,v)/L] and the whitened ν(x) rows, shared by the policy and its bound. */
function whitened(problem: SequenceProblem, theta: Float64Array, cov: Covariance, nu: Float64Array) {
  const { vocab: V, dim: d, length: L, prompts: X } = problem;
  const S = (V + 1) * V;
  const chol = cov.cholesky();
  const b = bigramReward(problem, theta);
  const w = 1 + d;
  const table = new Float64Array(S * w);
  const tmp = new Float64Array(d);
  for (let i = 0; i < S; i++) {
    table[i * w] = b[i];
    for (let k = 0; k < d; k++) tmp[k] = problem.psi[i * d + k] / L;
    table.set(forwardSubstitute(chol, d, tmp), i * w + 1);
  }
  const nuW = new Float64Array(X * d);
  for (let x = 0; x < X; x++) nuW.set(forwardSubstitute(chol, d, nu.subarray(x * d, (x + 1) * d)), x * d);
  return { table, width: w, nuW };
}

/** Option II's policy π(y|x) ∝ π0(y|x)·exp((<θ̂, φ(x,y)> − β‖φ(x,y) − ν(x)‖_{Σ⁻¹})/η), enumerated. */
export function optionIIEnumerated(
  problem: SequenceProblem,
  theta: Float64Array,
  cov: Covariance,
  beta: number,
  nu: Float64Array,
): SequencePolicy {
  const { prompts: X, vocab: V, length: L, dim: d, eta } = problem;
  const N = V ** L;
  const { table, width, nuW } = whitened(problem, theta, cov, nu);
  const logProbs = new Float64Array(X * N);
  for (let x = 0; x < X; x++) {
    const o = x * N;
    let max = -Infinity;
    // <θ̂, φ>, ‖L⁻¹(φ − ν)‖ and log π0 of every response, carried down the prefix tree (core's walk).
    const leaves = prefixTreeLeaves(
      table,
      width,
      V,
      L,
      nuW.subarray(x * d, (x + 1) * d),
      referenceLogTable(problem, x),
      0,
    );
    for (let i = 0; i < N; i++) {
      const v = leaves.log[i] + (leaves.first[i] - beta * leaves.norm[i]) / eta;
      logProbs[o + i] = v;
      if (v > max) max = v;
    }
    let z = 0;
    for (let i = 0; i < N; i++) z += Math.exp(logProbs[o + i] - max);
    const lse = max + Math.log(z);
    for (let i = 0; i < N; i++) logProbs[o + i] -= lse;
  }
  return { kind: "enumerated", prompts: X, vocab: V, length: L, logProbs };
}

/** E_{x ~ d0, y ~ π}‖φ(x,y) − ν(x)‖_{Σ⁻¹} for a Markov comparator π, enumerated (Option II's bound without 2β). */
export function expectedDeviationEnumerated(
  problem: SequenceProblem,
  cov: Covariance,
  nu: Float64Array,
  comparator: MarkovPolicy | FactoredGibbsPolicy,
): number {
  const rows = "probs" in comparator ? markovRows(comparator) : gibbsRows(comparator);
  const { prompts: X, vocab: V, length: L, dim: d, contextWeights: w } = problem;
  const { table, width, nuW } = whitened(problem, new Float64Array(d), cov, nu);
  const S = (V + 1) * V;
  let total = 0;
  for (let x = 0; x < X; x++) {
    // log π(y|x) of a position-dependent Markov comparator differs from the walk's log π0: recompute it per prefix.
    const logPi = new Float64Array(L * S);
    for (let t = 0; t < L; t++)
      for (let p = 0; p <= V; p++) {
        const row = rows.row(x, t, p);
        for (let v = 0; v < V; v++) logPi[t * S + p * V + v] = Math.log(row[v]);
      }
    let s = 0;
    // log π(y|x) summed position by position down the prefix tree, with ‖L⁻¹(φ − ν)‖ (core's walk).
    const leaves = prefixTreeLeaves(table, width, V, L, nuW.subarray(x * d, (x + 1) * d), logPi, S);
    for (let i = 0; i < leaves.log.length; i++) {
      const lp = leaves.log[i];
      if (lp > -Infinity) s += Math.exp(lp) * leaves.norm[i];
    }
    total += w[x] * s;
  }
  return total;
}
