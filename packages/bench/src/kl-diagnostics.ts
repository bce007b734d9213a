import {
  type KlEstimatorMoments,
  type KlEstimatorStudy,
  type Policy,
  type Rng,
  exactKlStudy,
  klEstimatorStudy,
} from "@gsh/core";
import { type SequenceInstance } from "@gsh/testbeds";
import {
  type SequencePolicy,
  gibbsKlMoments,
  policyLogProb,
  referenceLogProb,
  sampleFromPolicy,
} from "@gsh/preference";

/** n log-ratios ℓ = log π(y|x) − log π0(y|x) of x ~ d0, y ~ π(·|x): what the KL estimators read. */
export type LogRatioSampler = (n: number) => Float64Array;

/** Log-ratios of a finite policy table against π0 (both exact per action). */
export function finiteLogRatios(
  policy: Policy,
  reference: Policy,
  contextWeights: Float64Array,
  rng: Rng,
): LogRatioSampler {
  const A = policy.actions;
  return (n) =>
    Float64Array.from({ length: n }, () => {
      const x = rng.categorical(contextWeights);
      const a = rng.categorical(policy.probs, x * A, A);
      return Math.log(policy.probs[x * A + a]) - Math.log(reference.probs[x * A + a]);
    });
}

/**
 * Log-ratios of a sequence policy against π0: exact log-probabilities for Markov and Gibbs policies; a sampler policy
 * reports its own. Enumerated policies (tiny problems) have no sampler here: null.
 */
export function sequenceLogRatios(
  instance: SequenceInstance,
  policy: SequencePolicy,
  rng: Rng,
): LogRatioSampler | null {
  const { problem } = instance;
  if (policy.kind === "enumerated") return null;
  const y = new Int32Array(problem.length);
  return (n) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = rng.categorical(problem.contextWeights);
      if (policy.kind === "sampler") {
        const s = policy.sample(x, 1, rng);
        out[i] = s.logProbs[0] - referenceLogProb(problem, x, s.responses);
      } else {
        sampleFromPolicy(policy, x, rng, y);
        out[i] = policyLogProb(problem, policy, x, y) - referenceLogProb(problem, x, y);
      }
    }
    return out;
  };
}

/** The exact moments under a Gibbs-family sequence policy (backward passes); null for other kinds (Monte Carlo). */
export function sequenceKlEstimatorMoments(
  instance: SequenceInstance,
  policy: SequencePolicy,
): KlEstimatorMoments | null {
  return policy.kind === "gibbs" ? gibbsKlMoments(instance.problem, policy.gibbs) : null;
}

/**
 * The KL-estimator study of one trained policy: exact where the class gives the moments (finite tables, Gibbs-family
 * sequence policies), Monte Carlo from the sampler otherwise (with a warning where the sample cannot resolve k3's
 * variance); undefined where there is neither, or no exact KL.
 */
export function klDiagnostics(
  moments: KlEstimatorMoments | null,
  sampler: LogRatioSampler | null,
  exactKl: number,
  estimated: boolean,
  options: { readonly sampleSizes: readonly number[]; readonly repeats: number },
): KlEstimatorStudy | undefined {
  if (estimated || !Number.isFinite(exactKl)) return undefined;
  if (moments) return exactKlStudy(moments, exactKl, options.sampleSizes);
  if (!sampler) return undefined;
  return klEstimatorStudy(sampler, exactKl, options.sampleSizes, options.repeats);
}
