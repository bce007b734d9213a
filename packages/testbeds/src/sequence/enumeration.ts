import { uniformWeights } from "@gsh/core";
import {
  type BanditProblem,
  enumerateResponses,
  referenceMarkovPolicy,
  sequenceFeatures,
  sequenceLogProb,
} from "@gsh/preference";
import { type BanditInstance, makeTruth } from "../bandit/truth";
import { tabularOracle } from "../bandit/linear-bandit";
import { BRADLEY_TERRY } from "../preference-models";
import type { SequenceInstance } from "./instance";

const { Math } = globalThis;

/**
 * A small sequence bandit as a finite-action bandit whose actions are all Vᴸ responses (in the order of
 * `enumerateResponses`). Lets every finite-action algorithm (Option II's non-additive bonus included) run on S
 * exactly; only for tiny settings.
 */
export function enumerateSequenceInstance(seq: SequenceInstance): BanditInstance {
  const { prompts: X, vocab: V, length: L, dim: d, eta, normBound } = seq.problem;
  const ys = enumerateResponses(V, L);
  const A = ys.length;
  const values = new Float64Array(X * A * d);
  const probs = new Float64Array(X * A);
  const pi0 = referenceMarkovPolicy(seq.problem);
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++) {
      sequenceFeatures(seq.problem, ys[a], values.subarray((x * A + a) * d, (x * A + a + 1) * d));
      probs[x * A + a] = Math.exp(sequenceLogProb(pi0, x, ys[a]));
    }
  const problem: BanditProblem = {
    contexts: X,
    actions: A,
    dim: d,
    features: { contexts: X, actions: A, dim: d, values },
    reference: { contexts: X, actions: A, probs },
    contextWeights: uniformWeights(X),
    eta,
    normBound,
  };
  const reward = new Float64Array(X * A);
  for (let i = 0; i < X * A; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += values[i * d + k] * seq.truth.theta[k];
    reward[i] = s;
  }
  return {
    id: `${seq.id}-enumerated`,
    version: seq.version,
    problem,
    truth: makeTruth(problem, reward, seq.truth.theta),
    makeOracle: (rng) => tabularOracle(reward, X, A, BRADLEY_TERRY, rng),
  };
}
