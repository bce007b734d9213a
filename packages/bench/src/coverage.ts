import type { Policy } from "@gsh/core";
import {
  type BehaviourPolicy,
  type MarkovRows,
  type PreferenceDataset,
  type SequenceOfflineData,
  type SequencePolicy,
  gibbsRows,
  markovRows,
  markovSequenceCoverage,
  policyCoverage,
  referenceMarkovRows,
  touchedResponses,
  touchedSequences,
} from "@gsh/preference";
import type { CoverageDiagnostics } from "@gsh/report";
import { type BanditInstance, type SequenceInstance, behaviourProbabilities } from "@gsh/testbeds";

/**
 * The coverage diagnostics of a finite-bandit trial (suites with `coverage`): for the offline data the algorithm
 * drew (every call's records; the data of one behaviour, nested across calls), the largest density ratio and the χ²
 * coverage of π* and of the trained policy against the data's sampling distribution, and the mass π*, the trained
 * policy and π0 put on responses no record touched. Null when the algorithm drew no offline data, or drew it from
 * two behaviours (no single sampling distribution).
 */
export function banditCoverage(
  instance: BanditInstance,
  draws: readonly { readonly data: PreferenceDataset; readonly behaviour: BehaviourPolicy }[],
  policy: Policy,
): CoverageDiagnostics | null {
  if (draws.length === 0 || draws.some((d) => d.behaviour !== draws[0].behaviour)) return null;
  const { problem, truth } = instance;
  const { contexts: X, actions: A } = problem;
  const seen = new Uint8Array(X * A);
  let records = 0;
  for (const d of draws) {
    touchedResponses(d.data, X, A).forEach((v, i) => (seen[i] |= v));
    records = Math.max(records, d.data.size);
  }
  const sampling: Policy = { contexts: X, actions: A, probs: behaviourProbabilities(instance, draws[0].behaviour) };
  const of = (pi: Policy) => policyCoverage(pi, sampling, seen, problem.contextWeights);
  return {
    records,
    behaviour: draws[0].behaviour,
    optimal: of(truth.optimal),
    policy: of(policy),
    referenceUnseenMass: of(problem.reference).unseenMass,
  };
}

/**
 * The same for a sequence trial (data from π0; suites with `coverage`): exact by passes over the L positions for a
 * Markov table or a factored Gibbs policy (`markovSequenceCoverage`); null for sampler and enumerated policies, or
 * without offline data.
 */
export function sequenceCoverage(
  instance: SequenceInstance,
  draws: readonly SequenceOfflineData[],
  policy: SequencePolicy,
): CoverageDiagnostics | null {
  if (draws.length === 0 || (policy.kind !== "markov" && policy.kind !== "gibbs")) return null;
  const { problem, truth } = instance;
  const seen = Array.from({ length: problem.prompts }, () => new Map<string, Int32Array>());
  let records = 0;
  for (const d of draws) {
    touchedSequences(d, problem.prompts, problem.length).forEach((ys, x) => {
      for (const y of ys) seen[x].set(y.join(","), y);
    });
    records = Math.max(records, d.data.size);
  }
  const touched = seen.map((m) => [...m.values()]);
  const reference = referenceMarkovRows(problem);
  const of = (rows: MarkovRows) => markovSequenceCoverage(rows, reference, touched, problem.contextWeights);
  return {
    records,
    behaviour: "reference",
    optimal: of(gibbsRows(truth.optimalGibbs)),
    policy: of(policy.kind === "markov" ? markovRows(policy.markov) : gibbsRows(policy.gibbs)),
    referenceUnseenMass: of(reference).unseenMass,
  };
}
