import {
  GshException,
  Rng,
  invalidArgument,
  softmaxInto,
  uniformWeights,
  getOrThrow,
  validateEta,
  gibbsValue,
} from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type SequenceOracle,
  type SequenceProblem,
  bigramReward,
  factoredGibbsPolicy,
  sequenceGibbs,
  sequenceReward,
} from "@gsh/preference";
import { BRADLEY_TERRY, type PreferenceModel } from "../preference-models";
import { countedOracle, modelLabel } from "../oracle";
import type { SequenceInstance, SequenceTruth } from "./instance";
import { DEFAULT_ETA } from "../defaults";

export interface TestbedSParams {
  readonly prompts?: number;
  readonly vocab?: number;
  readonly length?: number;
  readonly dim?: number;
  readonly eta?: number;
  readonly preference?: PreferenceModel;
}

/** The named sizes of testbed S: tiny (tests against enumeration), default, and large (DP only). */
export const SEQUENCE_SIZES = {
  tiny: { prompts: 20, vocab: 4, length: 4, dim: 16 },
  default: { prompts: 20, vocab: 8, length: 6, dim: 16 },
  large: { prompts: 20, vocab: 64, length: 32, dim: 16 },
} as const;

/** S: π0 bigram softmax(g/1) per (prompt, previous symbol), ψ uniform in the unit ball, θ* = 3·(unit vector). */
export function testbedS(seed: number, params: TestbedSParams = {}): SequenceInstance {
  const { prompts: X, vocab: V, length: L, dim: d } = { ...SEQUENCE_SIZES.default, ...params };
  const eta = params.eta ?? DEFAULT_ETA;
  const positiveInt = (field: string, v: number, max: number) => {
    if (!(Number.isInteger(v) && v >= 1 && v <= max))
      throw new GshException(invalidArgument(field, `must be an integer in [1, ${max}], got ${v}`));
  };
  positiveInt("prompts", X, 100_000);
  positiveInt("vocab", V, 4096);
  positiveInt("length", L, 1024);
  positiveInt("dim", d, 4096);
  getOrThrow(validateEta(eta)); // one check of η for the whole toolkit (core), one error
  // ψ is a (V+1)·V·d table and π0 an X·(V+1)·V one: refuse sizes that cannot be held (≈ 2 GB of f64).
  if ((V + 1) * V * (d + X) > 2 ** 28)
    throw new GshException(
      invalidArgument("vocab", `V = ${V} with d = ${d} and ${X} prompts needs more than 2 GB of tables`),
    );
  const B = 3;
  const rng = Rng.seeded(seed).split(`testbed/S/v1/${X}x${V}^${L}/d${d}`);
  const S = (V + 1) * V;
  const reference = new Float64Array(X * S);
  const g = new Float64Array(V);
  const rr = rng.split("reference");
  for (let i = 0; i < X * (V + 1); i++) {
    for (let v = 0; v < V; v++) g[v] = rr.normal();
    softmaxInto(g, reference.subarray(i * V, (i + 1) * V), 0, V);
  }
  const psi = new Float64Array(S * d);
  const fr = rng.split("features");
  for (let i = 0; i < S; i++) fr.unitBall(d, psi.subarray(i * d, (i + 1) * d));
  const theta = rng
    .split("theta")
    .unitSphere(d)
    .map((v) => B * v);
  const problem: SequenceProblem = {
    prompts: X,
    vocab: V,
    length: L,
    dim: d,
    reference,
    psi,
    contextWeights: uniformWeights(X),
    eta,
    normBound: B,
  };
  const bigram = bigramReward(problem, theta);
  const { policy, logZ } = sequenceGibbs(problem, bigram, eta);
  // The factored π* is formed on first use: at extreme η its fast kernel underflows where the dense DP (which falls
  // back to the log domain) does not, and only the bounds need it.
  let optimalGibbs: FactoredGibbsPolicy | undefined;
  const truth: SequenceTruth = {
    theta,
    bigram,
    optimal: policy,
    get optimalGibbs() {
      return (optimalGibbs ??= factoredGibbsPolicy(problem, bigram, eta));
    },
    logZ,
    optimalObjective: gibbsValue(logZ, eta, problem.contextWeights),
  };
  const model = params.preference ?? BRADLEY_TERRY;
  const reward = (y: ArrayLike<number>): number => sequenceReward(bigram, V, y);
  return {
    id: "S",
    version: 1,
    problem,
    truth,
    makeOracle: (orng) => countedSequenceOracle(problem, reward, model, orng),
  };
}

/**
 * The counted preference oracle of a sequence testbed: checks the prompt and the lengths, counts the query and
 * draws the label from the preference model on r*(y¹) − r*(y²).
 */
export function countedSequenceOracle(
  problem: Pick<SequenceProblem, "prompts" | "length">,
  reward: (y: ArrayLike<number>) => number,
  model: PreferenceModel,
  rng: Rng,
): SequenceOracle {
  const { prompts: X, length: L } = problem;
  return countedOracle<ArrayLike<number>>(
    (x, y1, y2) =>
      !(x >= 0 && x < X) || y1.length !== L || y2.length !== L
        ? `needs a prompt in [0, ${X}) and two responses of length ${L}, got prompt ${x} and lengths ${y1.length}, ${y2.length}`
        : null,
    modelLabel(model, (_x, y1: ArrayLike<number>, y2: ArrayLike<number>) => reward(y1) - reward(y2), rng),
  );
}
