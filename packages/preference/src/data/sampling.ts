import { AliasTable, type Rng, rowSamplers } from "@gsh/core";
import type { PreferenceOracle } from "../environments/bandit";
import { PreferenceDataset } from "./dataset";

/** Which policy draws the two actions of an offline pair. */
export type BehaviourPolicy = "reference" | "skewed" | "uniform";

/** Draws contexts from d0 and action pairs from per-context tables, querying the oracle once per pair. */
export function samplePairs(
  probsFirst: Float64Array,
  probsSecond: Float64Array,
  contextWeights: Float64Array,
  actions: number,
  n: number,
  oracle: PreferenceOracle,
  rng: Rng,
  into = new PreferenceDataset(n),
): PreferenceDataset {
  const X = contextWeights.length;
  const ctx = new AliasTable(contextWeights);
  const t1 = rowSamplers(probsFirst, X, actions);
  const t2 = probsSecond === probsFirst ? t1 : rowSamplers(probsSecond, X, actions);
  for (let i = 0; i < n; i++) {
    const x = ctx.sample(rng);
    const a1 = t1[x].sample(rng);
    const a2 = t2[x].sample(rng);
    into.push(x, a1, a2, oracle.query(x, a1, a2));
  }
  return into;
}
