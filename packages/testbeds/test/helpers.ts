import { type Rng, softmaxInto } from "@gsh/core";
import type { MarkovPolicy } from "@gsh/preference";

/** A position-dependent Markov policy with rows softmax(scale·g), g ~ N(0, I): a generic non-Gibbs test policy. */
export function randomMarkovPolicy(rng: Rng, X: number, V: number, L: number, scale = 1): MarkovPolicy {
  const probs = new Float64Array(X * L * (V + 1) * V);
  const g = new Float64Array(V);
  for (let i = 0; i < X * L * (V + 1); i++) {
    for (let v = 0; v < V; v++) g[v] = scale * rng.normal();
    softmaxInto(g, probs.subarray(i * V, (i + 1) * V), 0, V);
  }
  return { prompts: X, vocab: V, length: L, probs };
}
