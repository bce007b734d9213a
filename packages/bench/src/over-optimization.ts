import type { OverOptimization, TrainingPathOverOptimization } from "@gsh/report";
import { type Policy, expectedReward, gibbsPolicy, klToReference, linearReward } from "@gsh/core";
import { type BanditInstance, type SequenceInstance, evaluateGibbsPolicy } from "@gsh/testbeds";
import { bigramReward, factoredGibbsPolicy } from "@gsh/preference";

/** The default sweep: η' = η·f for f from 8 down to 1/16 (weak to strong optimisation of the proxy). */
export const OVER_OPTIMIZATION_FACTORS: readonly number[] = [8, 4, 2, 1, 0.5, 0.25, 0.125, 0.0625];

/**
 * The Gibbs policies π0·exp(r/η') of a reward table r for η' = η·factor, each with its exact KL(π‖π0) and gold
 * reward E_π r*; `also` sees each policy (the over-optimisation sweep adds the proxy E_π r̂ there).
 */
function banditGibbsSweep(
  instance: BanditInstance,
  reward: Float64Array,
  factors: readonly number[],
  also?: (pi: Policy) => void,
): { eta: number[]; kl: number[]; gold: number[] } {
  const { problem, truth } = instance;
  const out = { eta: [] as number[], kl: [] as number[], gold: [] as number[] };
  for (const f of factors) {
    const eta = problem.eta * f;
    const pi: Policy = gibbsPolicy(problem.reference, reward, eta).policy;
    out.eta.push(eta);
    out.kl.push(klToReference(pi, problem.reference, problem.contextWeights));
    out.gold.push(expectedReward(pi, truth.reward, problem.contextWeights));
    also?.(pi);
  }
  return out;
}

/** The same on a sequence instance, by the DP (exact at any Vᴸ), from a bigram reward table. */
function sequenceGibbsSweep(
  instance: SequenceInstance,
  bigram: Float64Array,
  factors: readonly number[],
  also?: (g: ReturnType<typeof factoredGibbsPolicy>) => void,
): { eta: number[]; kl: number[]; gold: number[] } {
  const { problem, truth } = instance;
  const out = { eta: [] as number[], kl: [] as number[], gold: [] as number[] };
  for (const f of factors) {
    const eta = problem.eta * f;
    const g = factoredGibbsPolicy(problem, bigram, eta);
    const m = evaluateGibbsPolicy(problem, truth, g);
    out.eta.push(eta);
    out.kl.push(m.klToReference);
    out.gold.push(m.trueReward);
    also?.(g);
  }
  return out;
}

export function banditOverOptimization(
  instance: BanditInstance,
  thetaHat: Float64Array,
  factors: readonly number[],
): OverOptimization {
  const { problem } = instance;
  const rHat = linearReward(problem.features, thetaHat);
  const proxy: number[] = [];
  const sweep = banditGibbsSweep(instance, rHat, factors, (pi) =>
    proxy.push(expectedReward(pi, rHat, problem.contextWeights)),
  );
  return { ...sweep, proxy };
}

export function sequenceOverOptimization(
  instance: SequenceInstance,
  thetaHat: Float64Array,
  factors: readonly number[],
): OverOptimization {
  const { problem, truth } = instance;
  const bHat = bigramReward(problem, thetaHat);
  const proxy: number[] = [];
  // E_π r̂ is the same forward pass with r̂'s bigram table in the place of r*'s.
  const sweep = sequenceGibbsSweep(instance, bHat, factors, (g) =>
    proxy.push(evaluateGibbsPolicy(problem, { bigram: bHat, logZ: truth.logZ }, g).trueReward),
  );
  return { ...sweep, proxy };
}

export function banditTrainingPath(
  instance: BanditInstance,
  path: readonly { readonly step: number; readonly policy: Policy }[],
  final: Policy,
): TrainingPathOverOptimization | null {
  const { problem, truth } = instance;
  const { reference, contextWeights: w, eta } = problem;
  const rHat = new Float64Array(final.probs.length);
  for (let i = 0; i < rHat.length; i++) {
    if (reference.probs[i] === 0) continue; // outside π0's support no policy with finite KL puts mass
    if (!(final.probs[i] > 0)) return null; // the implicit reward is −∞ there: no finite proxy
    rHat[i] = eta * Math.log(final.probs[i] / reference.probs[i]);
  }
  const gold0 = expectedReward(reference, truth.reward, w);
  const proxy0 = expectedReward(reference, rHat, w);
  const out = { step: [] as number[], kl: [] as number[], gold: [] as number[], proxy: [] as number[] };
  for (const { step, policy } of path) {
    out.step.push(step);
    out.kl.push(klToReference(policy, reference, w));
    out.gold.push(expectedReward(policy, truth.reward, w) - gold0);
    out.proxy.push(expectedReward(policy, rHat, w) - proxy0);
  }
  return out;
}

/** η'/η of the exact frontier rows record: weak (16η) to strong (η/16) optimisation of r*; 1 is π*. */
export const FRONTIER_FACTORS: readonly number[] = [16, 8, 4, 2, 1, 0.5, 0.25, 0.125, 0.0625];

export interface GibbsFrontier {
  readonly factor: readonly number[];
  readonly kl: readonly number[];
  readonly reward: readonly number[];
}

/** The exact frontier of a bandit instance: π0·exp(r* / η') for η' = η·factor, with KL(π‖π0) and E r*. */
export function banditFrontier(instance: BanditInstance, factors: readonly number[]): GibbsFrontier {
  const { kl, gold } = banditGibbsSweep(instance, instance.truth.reward, factors);
  return { factor: [...factors], kl, reward: gold };
}

/** The same on a sequence instance, by the DP (exact at any Vᴸ). */
export function sequenceFrontier(instance: SequenceInstance, factors: readonly number[]): GibbsFrontier {
  const { kl, gold } = sequenceGibbsSweep(instance, instance.truth.bigram, factors);
  return { factor: [...factors], kl, reward: gold };
}
