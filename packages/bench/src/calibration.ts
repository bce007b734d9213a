import * as E from "fp-ts/lib/Either";
import { confidenceWidth, logisticCurvature } from "@gsh/preference";

/** The confidence levels whose coverage the runner and the report check. */
export const CALIBRATION_DELTAS: readonly number[] = [0.5, 0.1, 0.05];

/** The constant c of β(δ) used for calibration: 1, stated (the theorem leaves it unspecified). */
export const CALIBRATION_CONSTANT = 1;

/**
 * The theory's radius β(δ) = c·sqrt((d + log(1/δ))/γ² + λB²) (the confidence module's `confidenceWidth`, c = 1),
 * with γ the logistic curvature at the largest reward gap |<θ, φ(x,a) − φ(x,b)>| ≤ zMax over ‖θ‖ ≤ B, for each δ.
 */
export function theoryWidths(
  dim: number,
  lambda: number,
  normBound: number,
  zMax: number,
): { readonly delta: number; readonly beta: number }[] {
  const gamma = logisticCurvature(zMax);
  return CALIBRATION_DELTAS.flatMap((delta) => {
    const w = confidenceWidth({ dim, delta, gamma, lambda, normBound, constant: CALIBRATION_CONSTANT });
    return E.isRight(w) ? [{ delta, beta: w.right }] : [];
  });
}
