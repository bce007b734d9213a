import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument, logSigmoid, sigmoid } from "@gsh/core";

/**
 * Pairwise preference losses as functions of the log-ratio margin
 * `h = log[π(a^w|x)/π0(a^w|x)] − log[π(a^l|x)/π0(a^l|x)]` (and, for SLiC's raw hinge, of `g = log π(a^w) − log π(a^l)`).
 * η is DPO's β (the KL coefficient); in this project β is the confidence width.
 *
 * - `dpo`: −log σ(η·h + m), m the pessimistic margin (0 unless given)
 * - `cdpo`: −(1−ε)·log σ(η·h) − ε·log σ(−η·h) (label smoothing, default ε = 0.1)
 * - `ipo`: (h − 1/(2η))² — a bandit has no response length, so no length normalization
 * - `hinge-norm`: max(0, 1 − γ·h) (SLiC/RSO's hinge on the normalized margin, default γ = 0.05)
 * - `hinge`: max(0, 1 − γ·g) (the unnormalized SLiC hinge)
 * - `sigmoid-norm`: −log σ(γ·h)
 */
export type PairLoss =
  | { readonly kind: "dpo" }
  | { readonly kind: "cdpo"; readonly epsilon?: number }
  | { readonly kind: "ipo" }
  | { readonly kind: "hinge-norm"; readonly gamma?: number }
  | { readonly kind: "hinge"; readonly gamma?: number }
  | { readonly kind: "sigmoid-norm"; readonly gamma?: number };

/** A weighted sum of pair losses. */
export type LossSpec = readonly { readonly loss: PairLoss; readonly weight: number }[];

export const DEFAULTS = { cdpoEpsilon: 0.1, hingeGamma: 0.05 } as const;

export interface PairLossValue {
  readonly value: number;
  /** ∂ℓ/∂h */
  readonly dh: number;
  /** ∂ℓ/∂g (only the unnormalized hinge uses g) */
  readonly dg: number;
}

/**
 * Validates a loss list against η: refuses η ≤ 0, negative weights, ε outside [0, 0.5), γ ≤ 0.
 */
export function validateLoss(spec: LossSpec, eta: number): E.Either<GshError, LossSpec> {
  if (!(eta > 0) || !Number.isFinite(eta))
    return E.left(invalidArgument("eta", `the KL coefficient η (DPO's β) must be > 0, got ${eta}`));
  if (spec.length === 0) return E.left(invalidArgument("loss", "at least one loss is needed"));
  for (const [i, { loss, weight }] of spec.entries()) {
    if (!(weight >= 0) || !Number.isFinite(weight))
      return E.left(invalidArgument(`loss[${i}].weight`, `must be ≥ 0, got ${weight}`));
    if (
      loss.kind === "cdpo" &&
      !((loss.epsilon ?? DEFAULTS.cdpoEpsilon) >= 0 && (loss.epsilon ?? DEFAULTS.cdpoEpsilon) < 0.5)
    )
      return E.left(invalidArgument(`loss[${i}].epsilon`, `label smoothing must be in [0, 0.5), got ${loss.epsilon}`));
    if (
      (loss.kind === "hinge-norm" || loss.kind === "hinge" || loss.kind === "sigmoid-norm") &&
      !((loss.gamma ?? DEFAULTS.hingeGamma) > 0)
    )
      return E.left(invalidArgument(`loss[${i}].gamma`, `must be > 0, got ${loss.gamma}`));
  }
  return E.right(spec);
}

/** ℓ and its derivatives for one pair. `margin` is the pessimistic-DPO offset β(Γ(x,a^w) − Γ(x,a^l)) (DPO only). */
export function pairLoss(spec: LossSpec, eta: number, h: number, g: number, margin = 0): PairLossValue {
  let value = 0;
  let dh = 0;
  let dg = 0;
  for (const { loss, weight } of spec) {
    if (weight === 0) continue;
    switch (loss.kind) {
      case "dpo": {
        const z = eta * h + margin;
        value -= weight * logSigmoid(z);
        dh -= weight * eta * sigmoid(-z);
        break;
      }
      case "cdpo": {
        const eps = loss.epsilon ?? DEFAULTS.cdpoEpsilon;
        const z = eta * h;
        value -= weight * ((1 - eps) * logSigmoid(z) + eps * logSigmoid(-z));
        dh -= weight * eta * ((1 - eps) * sigmoid(-z) - eps * sigmoid(z));
        break;
      }
      case "ipo": {
        const t = h - 1 / (2 * eta);
        value += weight * t * t;
        dh += weight * 2 * t;
        break;
      }
      case "hinge-norm": {
        const gm = loss.gamma ?? DEFAULTS.hingeGamma;
        const t = 1 - gm * h;
        if (t > 0) {
          value += weight * t;
          dh -= weight * gm;
        }
        break;
      }
      case "hinge": {
        const gm = loss.gamma ?? DEFAULTS.hingeGamma;
        const t = 1 - gm * g;
        if (t > 0) {
          value += weight * t;
          dg -= weight * gm;
        }
        break;
      }
      case "sigmoid-norm": {
        const gm = loss.gamma ?? DEFAULTS.hingeGamma;
        value -= weight * logSigmoid(gm * h);
        dh -= weight * gm * sigmoid(-gm * h);
        break;
      }
    }
  }
  return { value, dh, dg };
}

export const DPO: LossSpec = [{ loss: { kind: "dpo" }, weight: 1 }];

/** The weight of a loss that is DPO alone (one `dpo` term), or null: the specs `dpoTerm` serves. */
export const dpoOnlyWeight = (spec: LossSpec): number | null =>
  spec.length === 1 && spec[0].loss.kind === "dpo" ? spec[0].weight : null;

/**
 * `pairLoss` of a DPO-alone spec (`dpoOnlyWeight`), written into `out` as [value, ∂ℓ/∂h] (∂ℓ/∂g is 0): the same
 * operations in the same order, so the same bits, without an object per pair; log σ(z) and σ(−z) share the
 * exponential each of them computes (e^{−z} for z ≥ 0, else e^{z}). The full-batch objectives call it per pair.
 */
export function dpoTerm(weight: number, eta: number, h: number, margin: number, out: Float64Array): void {
  if (weight === 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const z = eta * h + margin;
  let logSig: number, sigNeg: number;
  if (z >= 0) {
    const e = Math.exp(-z);
    logSig = -Math.log1p(e);
    sigNeg = z === 0 ? 1 / (1 + e) : e / (1 + e);
  } else {
    const e = Math.exp(z);
    logSig = z - Math.log1p(e);
    sigNeg = 1 / (1 + e);
  }
  out[0] = 0 - weight * logSig;
  out[1] = 0 - weight * eta * sigNeg;
}
