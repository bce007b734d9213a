import { GshException, invalidArgument } from "@gsh/core";
import { selectPair } from "@gsh/preference";
import { type EnhancerOptions, enhancer } from "./enhancer";
import type { ExplorationRule } from "./exploration";
import { fromSamplers } from "./rule-helpers";

// The rules of the GSHF paper and the usual baselines, each written once for every environment kind.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/** The enhancer rule: y¹ ~ π¹_t (main agent), y² ~ π²_t (enhancer, a Gibbs-family member, so Markov on sequences). */
export function enhancerRule(options: EnhancerOptions = {}): ExplorationRule {
  return (s) => {
    const e = enhancer(s.world.family, s.theta, s.covariance, s.beta, s.rng.split("enhancer"), options);
    return fromSamplers(s.world, s.main, s.world.member(e.theta), { gamma: e.gamma, klToMain: e.klToMain });
  };
}

/** Both responses from the main agent (on-policy pairs). */
export const onPolicyRule: ExplorationRule = (s) => fromSamplers(s.world, s.main, s.main);

/** y¹ ~ π¹_t, y² ~ π0: the hybrid setting's pair when the offline data are diverse. */
export const referenceRule: ExplorationRule = (s) => fromSamplers(s.world, s.main, s.world.reference);

/** Uniformly random pairs (an oracle-ish baseline LLM practice cannot use). */
export const uniformRule: ExplorationRule = (s) => fromSamplers(s.world, s.world.uniform, s.world.uniform);

/**
 * n samples from π¹_t, scored by the current estimate <θ̂_t, φ>, paired best-vs-worst by the shared `selectPair`
 * (ties broken at random). A pair whose candidates all tie is counted as degenerate and the first two samples are used.
 */
export function bestVsWorstRule(n = 8): ExplorationRule {
  if (!(Number.isInteger(n) && n >= 2))
    throw new GshException(invalidArgument("bestOfN", `best-vs-worst needs n ≥ 2 samples, got ${n}`));
  return (s) => {
    const score = s.world.scorer(s.theta);
    const cand = Array.from({ length: n }, () => s.world.slot());
    const sc = new Float64Array(n);
    let degenerate = 0;
    return {
      sample(x, rng) {
        for (let i = 0; i < n; i++) {
          cand[i] = s.main.draw(x, rng, cand[i]);
          sc[i] = score(x, cand[i]);
        }
        const p = selectPair(sc, "max-min", rng);
        if (p === null) {
          degenerate++;
          return [cand[0], cand[1]];
        }
        return [cand[p[0]], cand[p[1]]];
      },
      degenerate: () => degenerate,
    };
  };
}
