import { GshException, Rng, invalidArgument } from "@gsh/core";
import {
  PreferenceDataset,
  type SequenceOfflineData,
  sampleReferenceSequence,
  sequenceFeatures,
} from "@gsh/preference";
import type { SequenceInstance } from "./instance";

/**
 * Offline data on the sequence bandit: x ~ d0, y¹, y² ~ π0(·|x) i.i.d., one counted query each. Records carry
 * φ(x, y¹), φ(x, y²); a1/a2 hold the response's index in `enumerateResponses` order (base-V code) when Vᴸ < 2³¹,
 * else −1. Depends on (seed, instance) only; nested in n.
 */
export function sampleSequenceOfflineData(instance: SequenceInstance, n: number, seed: number): SequenceOfflineData {
  const { problem } = instance;
  const { vocab: V, length: L, dim: d } = problem;
  const rng = Rng.seeded(seed).split(`data/${instance.id}/v${instance.version}/reference`);
  const oracle = instance.makeOracle(rng.split("labels"));
  const draw = rng.split("pairs");
  if (!(Number.isInteger(n) && n >= 0 && n <= 1e9))
    throw new GshException(invalidArgument("n", `n must be an integer in [0, 1e9], got ${n}`));
  const data = new PreferenceDataset(n, d);
  const first = new Int32Array(n * L),
    second = new Int32Array(n * L);
  const y1 = new Int32Array(L),
    y2 = new Int32Array(L);
  const f1 = new Float64Array(d),
    f2 = new Float64Array(d);
  const code = (y: Int32Array) => {
    if (V ** L >= 2 ** 31) return -1;
    let k = 0;
    for (let t = 0; t < L; t++) k = k * V + y[t];
    return k;
  };
  for (let i = 0; i < n; i++) {
    const x = draw.categorical(problem.contextWeights);
    sampleReferenceSequence(problem, x, draw, y1);
    sampleReferenceSequence(problem, x, draw, y2);
    first.set(y1, i * L);
    second.set(y2, i * L);
    data.pushWithFeatures(
      x,
      code(y1),
      code(y2),
      oracle.query(x, y1, y2),
      sequenceFeatures(problem, y1, f1),
      sequenceFeatures(problem, y2, f2),
    );
  }
  return { data, queries: oracle.queries, first, second };
}
