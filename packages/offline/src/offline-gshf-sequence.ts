import * as E from "fp-ts/lib/Either";
import { type GshError, forwardSubstitute, invalidArgument } from "@gsh/core";
import {
  type BradleyTerryFit,
  type Covariance,
  ENUMERATION_LIMIT,
  type MarkovPolicy,
  type PreferenceDataset,
  type SequencePolicy,
  type SequenceProblem,
  bigramReward,
  contextMean,
  expectedSequenceFeatures,
  forEachResponse,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  referenceMarkovRows,
  markovRows,
  gibbsRows,
  type FactoredGibbsPolicy,
  sequenceGibbsFamily,
} from "@gsh/preference";
import { type PessimismOption, checkPessimism, designOf, offlineGshfOnFamily } from "./offline-gshf";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

export interface SequenceOfflineGshfResult {
  readonly policy: SequencePolicy;
  readonly mle: BradleyTerryFit;
  /** The parameter whose Gibbs policy is the output (θ̂, or θ̂ − βu* for Option I); null for Option II. */
  readonly outputTheta: Float64Array | null;
  readonly covariance: Covariance;
  readonly beta: number;
  readonly option: PessimismOption;
  /** ν(x) = φ(x, π0) per prompt (X×d). */
  readonly nu: Float64Array;
  readonly dualityGap: number | null;
}

/**
 * Offline GSHF on the sequence bandit (spec §3, §6). β = 0 and Option I have Gibbs-family solutions (Markov, exact
 * by the DP). Option II's bonus β‖φ(x,y) − ν(x)‖_{Σ⁻¹} does not add over positions, so its policy is not Markov: it
 * is computed by streaming over all Vᴸ responses per prompt (refused above `ENUMERATION_LIMIT`), with the norm
 * accumulated along the prefix tree as ‖L⁻¹(φ − ν)‖ (Σ = LLᵀ), O(d) per response.
 */
export function offlineGshfSequence(
  problem: SequenceProblem,
  data: PreferenceDataset,
  options: { readonly beta: number; readonly option?: PessimismOption; readonly lambda?: number },
): E.Either<GshError, SequenceOfflineGshfResult> {
  const { beta } = options;
  const checked = checkPessimism(beta, options.option);
  if (E.isLeft(checked)) return checked;
  const option = checked.right;
  if (data.featureDim !== problem.dim)
    return E.left(
      invalidArgument(
        "data",
        `records carry ${data.featureDim}-dimensional features, the problem has d = ${problem.dim}`,
      ),
    );
  const N = problem.vocab ** problem.length;
  if (option === "II" && beta > 0 && N > ENUMERATION_LIMIT)
    return E.left(
      invalidArgument(
        "option",
        `Option II's policy is not Markov and is enumerated over Vᴸ responses; Vᴸ = ${problem.vocab}^${problem.length} exceeds the limit ${ENUMERATION_LIMIT}: use Option I (Markov, exact) on this size`,
      ),
    );
  const family = sequenceGibbsFamily(problem);
  const Z = designOf(data, null);
  if (E.isLeft(Z)) return Z;
  const fam = offlineGshfOnFamily(family, Z.right, data.size, {
    beta: option === "I" ? beta : 0,
    lambda: options.lambda,
  });
  if (E.isLeft(fam)) return fam;
  const { mle, covariance, outputTheta, dualityGap } = fam.right;
  const nu = expectedSequenceFeatures(problem, referenceMarkovRows(problem));
  const base = { mle, covariance, beta, option, nu };
  if (option === "I" || beta === 0)
    return E.right({
      ...base,
      policy: gibbsSequencePolicy(linearSequenceGibbs(problem, outputTheta)),
      outputTheta,
      dualityGap: option === "I" && beta > 0 ? dualityGap : null,
    });
  return E.right({
    ...base,
    policy: optionIIEnumerated(problem, mle.theta, covariance, beta, nu),
    outputTheta: null,
    dualityGap: null,
  });
}

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

function bonusOf(sums: Float64Array, nuW: Float64Array, x: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const v = sums[1 + k] - nuW[x * d + k];
    s += v * v;
  }
  return Math.sqrt(s);
}

function optionIIEnumerated(
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
    forEachResponse(problem, x, table, width, (i, sums, logRef) => {
      const v = logRef + (sums[0] - beta * bonusOf(sums, nuW, x, d)) / eta;
      logProbs[o + i] = v;
      if (v > max) max = v;
    });
    let z = 0;
    for (let i = 0; i < N; i++) z += Math.exp(logProbs[o + i] - max);
    const lse = max + Math.log(z);
    for (let i = 0; i < N; i++) logProbs[o + i] -= lse;
  }
  return { kind: "enumerated", prompts: X, vocab: V, length: L, logProbs };
}

/**
 * The theorem's right-hand side for a Markov comparator (spec §3): Option I 2β‖E_x φ(x,π) − ν̄‖_{Σ⁻¹} by the DP;
 * Option II 2β·E_{x, y~π}‖φ(x,y) − ν(x)‖_{Σ⁻¹} by enumeration (within `ENUMERATION_LIMIT`, else NaN).
 */
export function sequencePessimismBound(
  problem: SequenceProblem,
  result: SequenceOfflineGshfResult,
  comparator: MarkovPolicy | FactoredGibbsPolicy,
): number {
  const rows = "probs" in comparator ? markovRows(comparator) : gibbsRows(comparator);
  const { prompts: X, vocab: V, length: L, dim: d, contextWeights: w } = problem;
  const { beta, covariance: cov, nu } = result;
  if (beta === 0) return 0;
  if (result.option === "I") {
    const family = sequenceGibbsFamily(problem);
    const mean = contextMean(family, expectedSequenceFeatures(problem, rows), d);
    const nuBar = contextMean(family, nu, d);
    return 2 * beta * cov.norm(mean.map((v, k) => v - nuBar[k]));
  }
  if (V ** L > ENUMERATION_LIMIT) return Number.NaN;
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
    const y = new Int32Array(L);
    forEachResponse(problem, x, table, width, (i, sums) => {
      let k = i;
      for (let t = L - 1; t >= 0; t--) {
        y[t] = k % V;
        k = Math.floor(k / V);
      }
      let lp = 0;
      let prev = V;
      for (let t = 0; t < L; t++) {
        lp += logPi[t * S + prev * V + y[t]];
        prev = y[t];
      }
      if (lp > -Infinity) s += Math.exp(lp) * bonusOf(sums, nuW, x, d);
    });
    total += w[x] * s;
  }
  return 2 * beta * total;
}
