import { type Policy, type Rng, klEstimatorStudy, type KlEstimatorStudy } from "@gsh/core";
import { type SequenceInstance } from "@gsh/testbeds";
import { type SequencePolicy, policyLogProb, referenceLogProb, sampleFromPolicy } from "@gsh/preference";

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

/** The KL-estimator study of one trained policy, or undefined where it has no sampler or no exact KL. */
export function klDiagnostics(
  sampler: LogRatioSampler | null,
  exactKl: number,
  estimated: boolean,
  options: { readonly sampleSizes: readonly number[]; readonly repeats: number },
): KlEstimatorStudy | undefined {
  if (!sampler || estimated || !Number.isFinite(exactKl)) return undefined;
  return klEstimatorStudy(sampler, exactKl, options.sampleSizes, options.repeats);
}
