import { type Rng, summarize } from "@gsh/core";
import type { SequenceProblem } from "@gsh/preference";
import type { SequenceTruth } from "./instance";

export interface MonteCarloEstimate {
  readonly mean: number;
  /** Half-width of the 95% interval. */
  readonly ci95: number;
  readonly samples: number;
}

/**
 * Monte Carlo evaluation of any sampler over sequences: J(π) = E_x E_{y~π}[r*(y) − η·log(π(y|x)/π0(y|x))] and the true
 * reward, with 95% intervals, from exact samples and their exact log-probabilities.
 */
export function monteCarloEvaluation(
  problem: SequenceProblem,
  truth: SequenceTruth,
  draw: (xs: number[]) => { ys: Int32Array[]; logProbs: Float64Array },
  logPi0: (x: number, y: Int32Array) => number,
  rng: Rng,
  samples = 4000,
): { objective: MonteCarloEstimate; trueReward: MonteCarloEstimate } {
  const { vocab: V, length: L } = problem;
  const xs = Array.from({ length: samples }, () => rng.categorical(problem.contextWeights));
  const { ys, logProbs } = draw(xs);
  const J = new Float64Array(samples);
  const R = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    let r = 0;
    let s = V;
    for (let t = 0; t < L; t++) {
      r += truth.bigram[s * V + ys[i][t]];
      s = ys[i][t];
    }
    R[i] = r;
    J[i] = r - problem.eta * (logProbs[i] - logPi0(xs[i], ys[i]));
  }
  const j = summarize(J);
  const rr = summarize(R);
  return { objective: { mean: j.mean, ci95: j.ci95, samples }, trueReward: { mean: rr.mean, ci95: rr.ci95, samples } };
}
