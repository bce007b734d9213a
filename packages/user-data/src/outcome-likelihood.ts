import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument, minimizeInBall, syrk } from "@gsh/core";

/**
 * Labelled comparisons beyond a hard win: `label[i]` is the probability that chosen[i] is preferred (1 for a hard
 * win, p in [0, 1] for a soft label), `tie[i]` = 1 marks a tie (its label is unused).
 */
export interface PairOutcomes {
  readonly chosen: Int32Array;
  readonly rejected: Int32Array;
  readonly label: Float64Array;
  readonly tie: Uint8Array;
  /**
   * TRL's reward margin per pair (absent: 0): the model compares z − margin, so P(chosen preferred) = σ(z − margin)
   * under Bradley-Terry (TRL's RewardTrainer loss −log σ(r_c − r_r − margin)).
   */
  readonly margin?: Float64Array;
}

/**
 * Davidson's tie model with ν = e^τ, for the gap z = <θ, φ(chosen) − φ(rejected)> and a = z/2:
 *   P(win) = e^{a}/D, P(loss) = e^{−a}/D, P(tie) = ν/D, D = e^{a} + e^{−a} + ν.
 * P(win)/P(loss) = e^{z} (so P(win | no tie) = σ(z), the BT model), and P(tie)/√(P(win)P(loss)) = ν. τ = −∞ (ν = 0)
 * is Bradley-Terry exactly. Returns [log P(win), log P(loss), log P(tie)].
 */
export function davidsonLogProbs(z: number, tau: number): [number, number, number] {
  const a = z / 2;
  const top = Math.max(a, -a, tau);
  const lse = top + Math.log(Math.exp(a - top) + Math.exp(-a - top) + Math.exp(tau - top));
  return [a - lse, -a - lse, tau - lse];
}

/**
 * The penalised negative log-likelihood of outcomes under Davidson's model, in w = (θ, τ) (d + 1 entries; with
 * `fitTies` false w = θ and τ = −∞, which is Bradley-Terry):
 *   Σ_{non-tie i} −[p_i log P(win) + (1 − p_i) log P(loss)] + Σ_{tie i} −log P(tie) + (λ/2)‖θ‖².
 * A soft label p is the BT cross-entropy against the target (p, 1 − p). Each term is a log-sum-exp of (a, −a, τ)
 * minus a linear function, so the objective is jointly convex in (θ, τ), strictly so in θ by the ridge and in τ
 * when there are both ties and non-ties. Gradient and Hessian are exact; the Hessian's θθ block is a weighted syrk.
 */
export function outcomeObjective(
  features: Float64Array | Float32Array,
  d: number,
  o: PairOutcomes,
  lambda: number,
  fitTies: boolean,
  indices?: Int32Array,
): (w: Float64Array, grad: Float64Array | null, hess: Float64Array | null) => number {
  const n = indices ? indices.length : o.chosen.length;
  const D = fitTies ? d + 1 : d;
  const CHUNK = 2048;
  const z = new Float64Array(d);
  return (w, grad, hess) => {
    const tau = fitTies ? w[d] : -Infinity;
    let f = 0;
    let r = 0;
    for (let k = 0; k < d; k++) r += w[k] * w[k];
    f += 0.5 * lambda * r;
    if (grad) {
      grad.fill(0);
      for (let k = 0; k < d; k++) grad[k] = lambda * w[k];
    }
    let htt = 0;
    const hta = hess ? new Float64Array(d) : null;
    const rows = hess ? new Float64Array(Math.min(CHUNK, Math.max(n, 1)) * d) : null;
    const H = hess ? new Float64Array(d * d) : null;
    let filled = 0;
    for (let t = 0; t < n; t++) {
      const i = indices ? indices[t] : t;
      const ca = o.chosen[i] * d;
      const cb = o.rejected[i] * d;
      let m = o.margin ? -o.margin[i] : 0;
      for (let k = 0; k < d; k++) {
        z[k] = features[ca + k] - features[cb + k];
        m += w[k] * z[k];
      }
      const [lw, ll, lt] = davidsonLogProbs(m, tau);
      const qw = Math.exp(lw),
        ql = Math.exp(ll),
        qt = fitTies ? Math.exp(lt) : 0;
      const tie = o.tie[i] === 1;
      const p = o.label[i];
      // dNLL/da and dNLL/dτ; a = z/2, so dNLL/dθ = (dNLL/da)·z/2.
      let ga: number, gt: number;
      if (tie) {
        f -= lt;
        ga = qw - ql;
        gt = qt - 1;
      } else {
        f -= (p > 0 ? p * lw : 0) + (p < 1 ? (1 - p) * ll : 0);
        ga = qw - ql - (2 * p - 1);
        gt = qt;
      }
      if (grad) {
        for (let k = 0; k < d; k++) grad[k] += 0.5 * ga * z[k];
        if (fitTies) grad[d] += gt;
      }
      if (hess && rows && H && hta) {
        const diff = qw - ql;
        const haa = Math.max(0, qw + ql - diff * diff);
        const s = 0.5 * Math.sqrt(haa);
        for (let k = 0; k < d; k++) rows[filled * d + k] = s * z[k];
        filled++;
        if (filled === CHUNK) {
          syrk(rows, filled, d, H);
          filled = 0;
        }
        if (fitTies) {
          const hat = -diff * qt;
          for (let k = 0; k < d; k++) hta[k] += 0.5 * hat * z[k];
          htt += qt - qt * qt;
        }
      }
    }
    if (hess && rows && H && hta) {
      if (filled > 0) syrk(rows, filled, d, H);
      hess.fill(0);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) hess[a * D + b] = H[a * d + b];
        hess[a * D + a] += lambda;
      }
      if (fitTies) {
        for (let k = 0; k < d; k++) {
          hess[k * D + d] = hta[k];
          hess[d * D + k] = hta[k];
        }
        hess[d * D + d] = htt;
      }
    }
    return f;
  };
}

export interface OutcomeFit {
  readonly theta: Float64Array;
  /** Davidson's ν̂ (null when no pair is a tie: the model is then Bradley-Terry). */
  readonly tieParameter: number | null;
  readonly objective: number;
  readonly iterations: number;
  /**
   * The precision of θ̂: the θθ block of the penalised Hessian, less what τ̂ explains when ties are fitted (the
   * Schur complement H_θθ − H_θτ H_ττ⁻¹ H_τθ, the profile likelihood's curvature).
   */
  readonly hessian: Float64Array;
}

/** Whether the outcomes are all hard wins (the plain Bradley-Terry fit applies unchanged). */
export function allHardWins(o: PairOutcomes, indices?: Int32Array): boolean {
  const n = indices ? indices.length : o.chosen.length;
  for (let t = 0; t < n; t++) {
    const i = indices ? indices[t] : t;
    if (o.tie[i] === 1 || o.label[i] !== 1 || (o.margin && o.margin[i] !== 0)) return false;
  }
  return true;
}

/**
 * The penalised MLE of θ (and of Davidson's τ = log ν when some pair is a tie) by Newton's method on the convex
 * objective above. A tie-only data set leaves ν unidentified (ν̂ = ∞): a typed error.
 */
export function fitOutcomes(
  features: Float64Array | Float32Array,
  d: number,
  o: PairOutcomes,
  options: { readonly lambda: number; readonly init?: Float64Array; readonly indices?: Int32Array },
): E.Either<GshError, OutcomeFit> {
  const idx = options.indices;
  const n = idx ? idx.length : o.chosen.length;
  let ties = 0;
  for (let t = 0; t < n; t++) ties += o.tie[idx ? idx[t] : t];
  if (ties > 0 && ties === n)
    return E.left(
      invalidArgument("tie", "every pair is a tie: the tie parameter ν is not identified (it would be infinite)"),
    );
  const fitTies = ties > 0;
  const D = fitTies ? d + 1 : d;
  const init = new Float64Array(D);
  if (options.init) init.set(options.init.subarray(0, d));
  const f = outcomeObjective(features, d, o, options.lambda, fitTies, idx);
  const m = minimizeInBall(f, { dim: D, radius: Infinity, init });
  if (!m.converged)
    return E.left({
      _tag: "ConvergenceError",
      solver: "fitOutcomes (Davidson/soft-label MLE)",
      iterations: m.iterations,
      message: m.message,
    });
  const full = new Float64Array(D * D);
  f(m.x, null, full);
  const hessian = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) hessian[a * d + b] = full[a * D + b];
  if (fitTies) {
    const htt = full[d * D + d];
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) hessian[a * d + b] -= (full[a * D + d] * full[b * D + d]) / htt;
  }
  return E.right({
    theta: m.x.slice(0, d),
    tieParameter: fitTies ? Math.exp(m.x[d]) : null,
    objective: m.value,
    iterations: m.iterations,
    hessian,
  });
}
