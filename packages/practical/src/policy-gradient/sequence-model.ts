import {
  type FactoredGibbsPolicy,
  type MarkovRows,
  type SequenceProblem,
  expectedGibbsFeatures,
  gibbsRows,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  referenceRow,
  sampleGibbsSequence,
} from "@gsh/preference";
import type { PolicyModel } from "./policy-model";

// Module bindings for hot loops (jest's vm context makes every global lookup slow).
const { Math } = globalThis;

/**
 * The log-linear sequence policy π_w(y|x) ∝ π0(y|x)·exp(<w, φ(x,y)>/η) (globally normalised, the class DPO's
 * sequence learner trains) as a policy-gradient model. Its sequence score is (φ(x,y) − E_π φ)/η. Its token
 * conditionals are π_t(v|s) = K(s,v)·u_{t+1}(v)/z_t(s), whose score is
 *   ∇_w log π_t(v|s) = (ψ(s,v)/L + F_{t+1}(v) − F_t(s))/η,  F_t(s) = E_π[Σ_{τ≥t} ψ(y_τ−1, y_τ)/L | state s at t],
 * by differentiating the log backward messages; F comes from one backward pass (`futureFeatures`), computed only when
 * a configuration asks for token scores.
 */
export interface SequenceModel extends PolicyModel<Int32Array> {
  /** The current policy in factored Gibbs form. */
  gibbs(): FactoredGibbsPolicy;
  /** Its rows π_t(·|x, s). */
  rows(): MarkovRows;
  /** E_π[Σ_{τ≥t} ψ/L | state s at draw t] (d entries at the returned offset of `futureFeatures().table`). */
  futureFeatures(): FutureFeatures;
}

/** The backward table F of the current policy. */
export interface FutureFeatures {
  readonly table: Float64Array;
  offset(x: number, t: number, s: number): number;
}

export function logLinearSequenceModel(problem: SequenceProblem): SequenceModel {
  const { vocab: V, length: L, dim: d, eta, psi } = problem;
  const params = new Float64Array(d);
  let policy = linearSequenceGibbs(problem, params);
  let rows = gibbsRows(policy);
  let means: Float64Array | null = null;
  let future: FutureFeatures | null = null;
  const p0 = problem.reference;
  const refresh = () => {
    policy = linearSequenceGibbs(problem, params);
    rows = gibbsRows(policy);
    means = null;
    future = null;
  };
  const expected = () => (means ??= expectedGibbsFeatures(problem, policy));
  const addSequenceScore = (x: number, y: Int32Array, c: number, grad: Float64Array) => {
    if (c === 0) return;
    const m = expected();
    const s0 = c / eta;
    const sL = s0 / L;
    let s = V;
    for (let t = 0; t < L; t++) {
      const o = (s * V + y[t]) * d;
      for (let k = 0; k < d; k++) grad[k] += sL * psi[o + k];
      s = y[t];
    }
    for (let k = 0; k < d; k++) grad[k] -= s0 * m[x * d + k];
  };
  return {
    kind: "sequence",
    maxLength: L,
    size: d,
    params,
    refresh,
    newResponse: () => new Int32Array(L),
    sample: (x, rng, out) => sampleGibbsSequence(policy, x, rng, out),
    tokenLogProbs(x, y, logp, logp0) {
      let s = V;
      let length = 0;
      for (let t = 0; t < L; t++) {
        const v = y[t];
        const q0 = p0[referenceRow(problem, x, s) * V + v];
        logp0[t] = Math.log(q0);
        logp[t] = Math.log(rows.row(x, t, s)[v]);
        if (q0 < 1) length++;
        s = v;
      }
      return length;
    },
    addSequenceScore,
    addTokenScores(x, y, c, grad) {
      const f = (future ??= futureFeatures(problem, policy, rows));
      const F = f.table;
      let s = V;
      for (let t = 0; t < L; t++) {
        const v = y[t];
        const ct = c[t] / eta;
        if (ct !== 0) {
          const o = (s * V + v) * d;
          const now = f.offset(x, t, s);
          const next = f.offset(x, t + 1, v);
          for (let k = 0; k < d; k++) grad[k] += ct * (psi[o + k] / L + F[next + k] - F[now + k]);
        }
        s = v;
      }
    },
    output: () => gibbsSequencePolicy(policy),
    gibbs: () => policy,
    rows: () => rows,
    futureFeatures: () => (future ??= futureFeatures(problem, policy, rows)),
  };
}

/**
 * F_t(s) = Σ_v π_t(v|s)·(ψ(s,v)/L + F_{t+1}(v)), F_L = 0, for every prompt, draw position t and state s reachable
 * there (only the start state at t = 0, only tokens after). With a shared π0 the rows after the prompt are the same
 * for every prompt, so that part is computed once.
 */
export function futureFeatures(
  problem: SequenceProblem,
  policy: FactoredGibbsPolicy,
  rows: MarkovRows,
): FutureFeatures {
  const { vocab: V, length: L, dim: d, psi, prompts: X } = problem;
  const shared = policy.referenceLayout === "shared";
  const block = (L + 1) * (V + 1) * d;
  const blocks = shared ? 1 : X;
  const table = new Float64Array(blocks * block + (shared ? X * d : 0));
  const offset = (x: number, t: number, s: number) =>
    shared && t === 0 ? blocks * block + x * d : ((shared ? 0 : x) * (L + 1) + t) * (V + 1) * d + s * d;
  const fill = (x: number, t: number, s: number) => {
    const row = rows.row(x, t, s);
    const out = offset(x, t, s);
    for (let v = 0; v < V; v++) {
      const p = row[v];
      if (p === 0) continue;
      const o = (s * V + v) * d;
      const n = offset(x, t + 1, v);
      for (let k = 0; k < d; k++) table[out + k] += p * (psi[o + k] / L + table[n + k]);
    }
  };
  for (let b = 0; b < blocks; b++) {
    for (let t = L - 1; t >= 1; t--) for (let s = 0; s < V; s++) fill(b, t, s);
  }
  for (let x = 0; x < X; x++) fill(x, 0, V);
  return { table, offset };
}
