import {
  type FeatureMap,
  GshException,
  type Policy,
  Rng,
  invalidArgument,
  linearReward,
  softmaxInto,
  uniformWeights,
} from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "@gsh/preference";
import { type BanditInstance, makeTruth } from "./truth";
import { BRADLEY_TERRY, type PreferenceModel } from "../preference-models";
import { countedOracle, modelLabel, outsideTable } from "../oracle";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/** Reward and preference variants shared by every finite-action testbed. */
export interface WorldVariant {
  /** The link from reward gaps to labels (default Bradley-Terry). */
  readonly preference?: PreferenceModel;
  /** κ > 0 adds κ·tanh(<θ₂, φ>) to the reward, so no linear model is exact (θ₂ = B·uniform unit vector). */
  readonly misspecification?: number;
}

export interface InstanceParts extends WorldVariant {
  readonly id: string;
  readonly version: number;
  readonly problem: BanditProblem;
  readonly theta: Float64Array;
  /** Stream for the misspecification direction θ₂ (only drawn when κ > 0). */
  readonly rng: Rng;
}

/** The counted oracle over a fixed reward table (X×A, row-major): a query outside it is an invalid argument. */
export function tabularOracle(
  reward: Float64Array,
  contexts: number,
  actions: number,
  model: PreferenceModel,
  rng: Rng,
): PreferenceOracle {
  return countedOracle(
    outsideTable(contexts, actions),
    modelLabel(model, (x, a1: number, a2: number) => reward[x * actions + a1] - reward[x * actions + a2], rng),
  );
}

/** Assembles an instance from its learner view and θ*, applying the reward/preference variant. */
export function assembleInstance(parts: InstanceParts): BanditInstance {
  const { problem, theta } = parts;
  const model = parts.preference ?? BRADLEY_TERRY;
  const kappa = parts.misspecification ?? 0;
  const reward = linearReward(problem.features, theta);
  if (kappa !== 0) {
    const theta2 = parts.rng
      .split("misspecification")
      .unitSphere(problem.dim)
      .map((v) => problem.normBound * v);
    const extra = linearReward(problem.features, theta2);
    for (let i = 0; i < reward.length; i++) reward[i] += kappa * Math.tanh(extra[i]);
  }
  const truth = makeTruth(problem, reward, kappa !== 0 ? null : theta);
  return {
    id: parts.id,
    version: parts.version,
    problem,
    truth,
    makeOracle: (rng) => tabularOracle(reward, problem.contexts, problem.actions, model, rng),
  };
}

/** π0(·|x) = softmax(g/τ) with g ~ N(0, I_A) per context. */
export function softmaxReference(rng: Rng, contexts: number, actions: number, temperature: number): Policy {
  const probs = new Float64Array(contexts * actions);
  const g = new Float64Array(actions);
  for (let x = 0; x < contexts; x++) {
    for (let a = 0; a < actions; a++) g[a] = rng.normal() / temperature;
    softmaxInto(g, probs.subarray(x * actions, (x + 1) * actions), 0, actions);
  }
  return { contexts, actions, probs };
}

/** φ(x, a) i.i.d. uniform in the unit ball of R^d. */
export function unitBallFeatures(rng: Rng, contexts: number, actions: number, dim: number): FeatureMap {
  const values = new Float64Array(contexts * actions * dim);
  for (let i = 0; i < contexts * actions; i++) rng.unitBall(dim, values.subarray(i * dim, (i + 1) * dim));
  return { contexts, actions, dim, values };
}

export interface LinearBanditParams extends WorldVariant {
  readonly contexts: number;
  readonly actions: number;
  readonly dim: number;
  /** ‖θ*‖ = B. */
  readonly normBound: number;
  readonly eta: number;
  /** π0 = softmax(g/τ): small τ gives a peaked π0 with poor coverage. */
  readonly referenceTemperature: number;
}

/**
 * The general linear bandit: unit-ball features, θ* = B·(uniform unit vector), π0 = softmax(g/τ).
 * Testbed R is this with X = 50, A = 32, d = 8, B = 3, τ = 0.3.
 */
/** Sizes of a finite instance: positive integers whose X·A·d feature table fits in memory (2³¹ numbers at most). */
export function validateSizes(sizes: { contexts: number; actions: number; dim: number }): void {
  for (const [field, v] of Object.entries(sizes))
    if (!(Number.isInteger(v) && v >= 1))
      throw new GshException(invalidArgument(field, `must be an integer ≥ 1, got ${v}`));
  const cells = sizes.contexts * sizes.actions * sizes.dim;
  if (cells > 2 ** 31)
    throw new GshException(
      invalidArgument("actions", `X·A·d = ${cells} feature entries do not fit in memory (limit 2³¹)`),
    );
}

export function linearBandit(seed: number, p: LinearBanditParams, id = "linear", version = 1): BanditInstance {
  validateSizes({ contexts: p.contexts, actions: p.actions, dim: p.dim });
  for (const [field, v] of [
    ["normBound", p.normBound],
    ["eta", p.eta],
    ["referenceTemperature", p.referenceTemperature],
  ] as const)
    if (!(v > 0) || !Number.isFinite(v))
      throw new GshException(invalidArgument(field, `must be a finite number > 0, got ${v}`));
  const rng = Rng.seeded(seed).split(`testbed/${id}/v${version}`);
  const features = unitBallFeatures(rng.split("features"), p.contexts, p.actions, p.dim);
  const theta = rng
    .split("theta")
    .unitSphere(p.dim)
    .map((v) => p.normBound * v);
  const reference = softmaxReference(rng.split("reference"), p.contexts, p.actions, p.referenceTemperature);
  const problem: BanditProblem = {
    contexts: p.contexts,
    actions: p.actions,
    dim: p.dim,
    features,
    reference,
    contextWeights: uniformWeights(p.contexts),
    eta: p.eta,
    normBound: p.normBound,
  };
  return assembleInstance({
    id,
    version,
    problem,
    theta,
    rng,
    preference: p.preference,
    misspecification: p.misspecification,
  });
}
