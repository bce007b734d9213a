import type { BanditProblem, PreferenceDataset } from "@gsh/preference";
import type { UserProblem } from "./problem";

/**
 * A finite bandit problem and its labelled pairs as a user problem: prompt "x<i>", candidate "x<i>/a<j>", π0 as
 * the reference. Used to check the user-data path against testbeds with a known θ* (the README's worked example,
 * the calibration tests) and to export testbed data in the JSONL format (`writeUserProblem`). Pairs of an action
 * with itself are dropped.
 */
export function userProblemFromBandit(problem: BanditProblem, data: PreferenceDataset): UserProblem {
  const { contexts: X, actions: A, dim: d } = problem;
  const candidates: string[] = [];
  for (let x = 0; x < X; x++) for (let a = 0; a < A; a++) candidates.push(`x${x}/a${a}`);
  // A pair of one action with itself carries no information (z = 0 adds nothing to θ̂ or Σ): it is left out, as the
  // reader refuses it.
  const chosenList: number[] = [];
  const rejectedList: number[] = [];
  const { context, first, second, label } = data;
  for (let i = 0; i < data.size; i++) {
    if (first[i] === second[i]) continue;
    const [w, l] = label[i] === 1 ? [first[i], second[i]] : [second[i], first[i]];
    chosenList.push(context[i] * A + w);
    rejectedList.push(context[i] * A + l);
  }
  const chosen = Int32Array.from(chosenList);
  const rejected = Int32Array.from(rejectedList);
  return {
    dim: d,
    dtype: "f64",
    prompts: Array.from({ length: X }, (_, x) => `x${x}`),
    promptWeights: Float64Array.from(problem.contextWeights),
    promptStart: Int32Array.from({ length: X + 1 }, (_, x) => x * A),
    candidates,
    features: Float64Array.from(problem.features.values.subarray(0, X * A * d)),
    referenceLogProb: problem.reference.probs.map((p) => (p > 0 ? Math.log(p) : -Infinity)),
    chosen,
    rejected,
  };
}
