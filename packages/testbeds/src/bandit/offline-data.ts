import { GshException, Rng, invalidArgument } from "@gsh/core";
import { type BehaviourPolicy, PreferenceDataset, samplePairs } from "@gsh/preference";
import type { BanditInstance } from "./truth";

/**
 * The behaviour policy's action probabilities. "skewed" is π0 with its top 25% actions by r* multiplied by 0.01
 * and renormalized (a data-generation property of the testbed, so it may look at the truth).
 */
export function behaviourProbabilities(instance: BanditInstance, behaviour: BehaviourPolicy): Float64Array {
  const { contexts: X, actions: A, reference } = instance.problem;
  if (behaviour === "reference") return reference.probs;
  if (behaviour === "uniform") return new Float64Array(X * A).fill(1 / A);
  const out = Float64Array.from(reference.probs);
  const top = Math.floor(A / 4);
  for (let x = 0; x < X; x++) {
    const order = Array.from({ length: A }, (_, a) => a).sort(
      (i, j) => instance.truth.reward[x * A + j] - instance.truth.reward[x * A + i],
    );
    for (let k = 0; k < top; k++) out[x * A + order[k]] *= 0.01;
    let s = 0;
    for (let a = 0; a < A; a++) s += out[x * A + a];
    for (let a = 0; a < A; a++) out[x * A + a] /= s;
  }
  return out;
}

/**
 * Offline data for paired comparisons: depends on (testbed, version, seed, behaviour) only, and the first n
 * records are the same whatever total is asked for, so β = 0 and β = 1 (or n = 300 and n = 1000) see nested,
 * identical data. Labels come from a counted oracle of the instance.
 */
export function sampleOfflineData(
  instance: BanditInstance,
  n: number,
  seed: number,
  behaviour: BehaviourPolicy = "reference",
): { data: PreferenceDataset; queries: number } {
  if (!(Number.isInteger(n) && n >= 0 && n <= 1e9))
    throw new GshException(invalidArgument("n", `must be an integer in [0, 1e9], got ${n}`));
  if (behaviour !== "reference" && behaviour !== "skewed" && behaviour !== "uniform")
    throw new GshException(
      invalidArgument("behaviour", `must be reference, skewed or uniform, got ${String(behaviour)}`),
    );
  const rng = Rng.seeded(seed).split(`data/${instance.id}/v${instance.version}/${behaviour}`);
  const oracle = instance.makeOracle(rng.split("labels"));
  const probs = behaviourProbabilities(instance, behaviour);
  const data = samplePairs(
    probs,
    probs,
    instance.problem.contextWeights,
    instance.problem.actions,
    n,
    oracle,
    rng.split("pairs"),
  );
  return { data, queries: oracle.queries };
}
