import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument } from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type MarkovPolicy,
  factoredGibbsPolicy,
  type PreferenceDataset,
  type SequenceProblem,
  bigramReward,
  sequenceGibbs,
} from "@gsh/preference";
import { type LossSpec, dpoOnlyWeight, dpoTerm, pairLoss, validateLoss } from "../losses";
import { type OptimizeResult, lbfgs, adam } from "../optimizers";

/**
 * The log-linear sequence policy π_w(y|x) ∝ π0(y|x)·exp(<w, φ(x,y)>/η), globally normalized by the DP (the
 * Gibbs-family member, not a per-step softmax): log π_w(y)/π0(y) = <w, φ(x,y)>/η − log Z_w(x), so within a pair
 * h = <w, φ(y^w) − φ(y^l)>/η and DPO's −log σ(ηh) is the BT log-loss of w. With the ridge (λ/2)‖w‖², DPO's optimum is
 * the BT MLE θ̂ and the trained policy is the MLE-Gibbs policy, exactly (the idealization DPO stands for).
 */
export class LogLinearSequencePolicy {
  readonly kind = "log-linear-sequence";
  w: Float64Array;

  /** `eta` defaults to the problem's η (multi-step RS fits at each step's η_i). */
  constructor(
    readonly problem: SequenceProblem,
    readonly eta: number = problem.eta,
  ) {
    this.w = new Float64Array(problem.dim);
  }

  /** The policy in factored Gibbs form (exact by the DP, no per-position tables). */
  gibbs(): FactoredGibbsPolicy {
    return factoredGibbsPolicy(this.problem, bigramReward(this.problem, this.w), this.eta);
  }

  /** The policy as a dense Markov table, X·L·(V+1)·V numbers: for small problems and tests. */
  markov(): MarkovPolicy {
    return sequenceGibbs(this.problem, bigramReward(this.problem, this.w), this.eta).policy;
  }

  /**
   * Minimizes Σ_i ℓ(h_i) + (l2/2)‖w‖² over labelled records carrying features (y = 1: first preferred), from the
   * current w (warm start). `refGaps[i]` = log π0(y^w) − log π0(y^l) is needed only by the unnormalized hinge.
   */
  train(
    data: PreferenceDataset,
    options: { readonly loss: LossSpec; readonly l2?: number; readonly refGaps?: Float64Array },
  ): E.Either<GshError, OptimizeResult & { degeneratePairs: number }> {
    const { dim: d } = this.problem;
    const eta = this.eta;
    const v = validateLoss(options.loss, eta);
    if (E.isLeft(v)) return v;
    if (data.featureDim !== d)
      return E.left(invalidArgument("data", `records carry ${data.featureDim} features, the policy has d = ${d}`));
    const l2 = options.l2 ?? 1;
    const n = data.size;
    // z_i = φ(winner) − φ(loser); pairs with z = 0 (identical responses) carry no information: dropped and counted.
    const Z = new Float64Array(n * d);
    const keep: number[] = [];
    const f1 = data.firstFeatures,
      f2 = data.secondFeatures,
      ys = data.label;
    for (let i = 0; i < n; i++) {
      const s = ys[i] === 1 ? 1 : -1;
      let nz = false;
      for (let k = 0; k < d; k++) {
        const z = s * (f1[i * d + k] - f2[i * d + k]);
        Z[i * d + k] = z;
        if (z !== 0) nz = true;
      }
      if (nz) keep.push(i);
    }
    const gaps = options.refGaps;
    const hinge = options.loss.some((l) => l.loss.kind === "hinge" || l.loss.kind === "hinge-norm");
    // DPO alone (the default): `dpoTerm`, the same bits as `pairLoss` without an object per pair and iteration
    const dpo = dpoOnlyWeight(options.loss);
    const terms = new Float64Array(2);
    const f = (w: Float64Array, grad: Float64Array) => {
      let value = 0;
      for (let k = 0; k < d; k++) {
        value += 0.5 * l2 * w[k] * w[k];
        grad[k] = l2 * w[k];
      }
      for (const i of keep) {
        let s = 0;
        for (let k = 0; k < d; k++) s += w[k] * Z[i * d + k];
        const h = s / eta;
        let pv: number, pd: number;
        if (dpo !== null) {
          dpoTerm(dpo, eta, h, 0, terms);
          pv = terms[0];
          pd = terms[1] + 0; // pairLoss's dh + dg with dg = 0
        } else {
          const pl = pairLoss(options.loss, eta, h, h + (gaps ? gaps[i] : 0));
          pv = pl.value;
          pd = pl.dh + pl.dg;
        }
        value += pv;
        const c = pd / eta;
        if (c !== 0) for (let k = 0; k < d; k++) grad[k] += c * Z[i * d + k];
      }
      return value;
    };
    const r = (hinge ? adam : lbfgs)(f, this.w, { gradientTolerance: 1e-10 });
    this.w = Float64Array.from(r.params);
    return E.right({ ...r, degeneratePairs: n - keep.length });
  }
}

/** Hinge losses need log π0(y^w) − log π0(y^l); smooth losses do not. */
export const needsReferenceGaps = (loss: LossSpec) => loss.some((l) => l.loss.kind === "hinge");
