/**
 * Learning-rate schedules: linear warm-up to the peak, then cosine, linear or no decay to `floor`·peak at the last
 * step. Shared by every gradient-trained learner (the neural preference learners and the policy-gradient ones).
 */
export type DecayShape = "cosine" | "linear" | "constant";

export interface Schedule {
  /** The learning rate after warm-up. */
  readonly peak: number;
  /** Steps of linear warm-up: step s < warmupSteps gets peak·(s + 1)/warmupSteps (never 0, so no step is wasted). */
  readonly warmupSteps: number;
  /** Steps in the whole run; the decay reaches `floor`·peak at step totalSteps − 1. */
  readonly totalSteps: number;
  readonly decay: DecayShape;
  /** The final learning rate as a fraction of the peak (default 0). */
  readonly floor?: number;
}

/**
 * The learning rate at step `step` (0-based). After warm-up, with progress p = (step − warmup)/(total − 1 − warmup)
 * in [0, 1]: cosine gives floor + (1 − floor)·(1 + cos πp)/2, linear floor + (1 − floor)·(1 − p), constant 1, all
 * times the peak. Steps past the end keep the final rate.
 */
export function learningRateAt(step: number, s: Schedule): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const floor = s.floor ?? 0;
  const span = s.totalSteps - 1 - s.warmupSteps;
  const p = span <= 0 ? 1 : Math.min(1, (step - s.warmupSteps) / span);
  const shape = s.decay === "cosine" ? (1 + Math.cos(Math.PI * p)) / 2 : s.decay === "linear" ? 1 - p : 1;
  return s.peak * (floor + (1 - floor) * shape);
}

/** Warm-up steps for a fraction of the run: ⌈fraction·total⌉, at most total (0 when the fraction is 0). */
export const warmupStepsFor = (fraction: number, totalSteps: number): number =>
  Math.min(totalSteps, Math.ceil(fraction * totalSteps));
