import { type FeatureMap, getOrThrow } from "@gsh/core";
import { z } from "zod";
import { confidenceWidth, logisticCurvature, rewardGapBound } from "../estimation/confidence";
import type { SequenceProblem } from "../sequence/problem";

// Parameter schemas more than one algorithm's definition shares, declared once.

/**
 * β as a raw number, "sqrt-d" (√d), or from the theory: { delta, c } gives β(δ) = c·√((d + log 1/δ)/γ² + λB²) by
 * the confidence module's `confidenceWidth` (γ from the largest reward gap z_max of `rewardGapBound`: exact on finite
 * actions, a Viterbi upper bound on sequences). c is explicit because the theorem leaves it unspecified.
 */
export const betaSpec = z.union([
  z.number().min(0),
  z.literal("sqrt-d"),
  z.object({ delta: z.number().gt(0).lt(1), c: z.number().positive() }).strict(),
]);
export type BetaSpec = z.output<typeof betaSpec>;

/** The β a `betaSpec` stands for on this problem (√d, or the theory's β(δ) with its constant c). */
export function resolveBeta(
  b: BetaSpec,
  problem: { readonly dim: number; readonly normBound: number; readonly features: FeatureMap } | SequenceProblem,
  lambda: number,
): number {
  if (typeof b === "number") return b;
  if (b === "sqrt-d") return Math.sqrt(problem.dim);
  const zMax = rewardGapBound(problem).value;
  return getOrThrow(
    confidenceWidth({
      dim: problem.dim,
      delta: b.delta,
      gamma: logisticCurvature(zMax),
      lambda,
      normBound: problem.normBound,
      constant: b.c,
    }),
  );
}

/**
 * How an online algorithm spends a budget of B queries in T rounds: T rounds of ⌊B/T⌋, then the remaining B mod T in
 * one final, smaller round (`finalBatchSize`, 0 when T divides B), so every query paid for is asked. A budget below
 * T is refused (the trial fails with this message).
 */
export function splitBudget(
  budget: number,
  rounds: number,
  name = "rounds",
): { readonly batchSize: number; readonly finalBatchSize: number } {
  const batchSize = Math.floor(budget / rounds);
  if (batchSize < 1) throw new Error(`budget ${budget} is smaller than ${name} ${rounds}`);
  return { batchSize, finalBatchSize: budget - rounds * batchSize };
}
