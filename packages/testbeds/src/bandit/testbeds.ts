import { type FeatureMap, Rng, uniformWeights } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import type { BanditInstance } from "./truth";
import { type WorldVariant, assembleInstance, linearBandit, softmaxReference, unitBallFeatures } from "./linear-bandit";
import { DEFAULT_ETA } from "../defaults";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The named, versioned testbeds of the testbeds spec. An instance depends on (testbed, version, seed, params)
 * only; a change to how one is generated must bump its version (regression-pin tests hold version 1 at seed 0).
 */

export interface TestbedRParams extends WorldVariant {
  readonly eta?: number;
}

/** R: random features, the generic case. X = 50, A = 32, d = 8, B = 3, π0 = softmax(g/0.3). */
export function testbedR(seed: number, params: TestbedRParams = {}): BanditInstance {
  return linearBandit(
    seed,
    {
      contexts: 50,
      actions: 32,
      dim: 8,
      normBound: 3,
      eta: params.eta ?? DEFAULT_ETA,
      referenceTemperature: 0.3,
      ...params,
    },
    "R",
    1,
  );
}

export interface TestbedPParams extends WorldVariant {
  readonly eta?: number;
  /** "tabular": X = 1, φ = e_a; "one-hot-ish": X = 20, φ = (e_a + σξ/√32)/‖·‖, σ = 0.3. */
  readonly variant?: "tabular" | "one-hot-ish";
}

/** π0 of testbed P: good action 0.25, three bad ones 0.45/0.10/0.10, 28 distractors sharing 0.10. */
export function trapReference(): Float64Array {
  const p = new Float64Array(32);
  p.set([0.25, 0.45, 0.1, 0.1]);
  for (let a = 4; a < 32; a++) p[a] = 0.1 / 28;
  return p;
}

/** P: the coverage trap, where offline pessimism should matter. A = d = 32, B = 3. */
export function testbedP(seed: number, params: TestbedPParams = {}): BanditInstance {
  const variant = params.variant ?? "tabular";
  const id = variant === "tabular" ? "P-tabular" : "P-one-hot-ish";
  const rng = Rng.seeded(seed).split(`testbed/${id}/v1`);
  const A = 32;
  const d = 32;
  const X = variant === "tabular" ? 1 : 20;
  const theta = new Float64Array(d);
  theta[0] = 1;
  const u = rng.split("theta");
  for (let a = 4; a < 32; a++) theta[a] = 0.3 + 0.4 * u.uniform();
  const values = new Float64Array(X * A * d);
  const noise = rng.split("features");
  for (let x = 0; x < X; x++) {
    for (let a = 0; a < A; a++) {
      const f = values.subarray((x * A + a) * d, (x * A + a + 1) * d);
      f[a] = 1;
      if (variant === "one-hot-ish") {
        for (let k = 0; k < d; k++) f[k] += (0.3 * noise.normal()) / Math.sqrt(32);
        let n = 0;
        for (let k = 0; k < d; k++) n += f[k] * f[k];
        n = Math.sqrt(n);
        for (let k = 0; k < d; k++) f[k] /= n;
      }
    }
  }
  const row = trapReference();
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) probs.set(row, x * A);
  const problem: BanditProblem = {
    contexts: X,
    actions: A,
    dim: d,
    features: { contexts: X, actions: A, dim: d, values },
    reference: { contexts: X, actions: A, probs },
    contextWeights: uniformWeights(X),
    eta: params.eta ?? DEFAULT_ETA,
    normBound: 3,
  };
  return assembleInstance({
    id,
    version: 1,
    problem,
    theta,
    rng,
    preference: params.preference,
    misspecification: params.misspecification,
  });
}

export interface TestbedHParams extends WorldVariant {
  readonly eta?: number;
  /** Total π0 mass of the two hidden actions (default 1e-3). */
  readonly hiddenMass?: number;
}

/** H: the hidden direction, where online exploration should matter. X = 50, A = 32 (30 common + 2 hidden), d = 8. */
export function testbedH(seed: number, params: TestbedHParams = {}): BanditInstance {
  const rng = Rng.seeded(seed).split("testbed/H/v1");
  const X = 50;
  const A = 32;
  const d = 8;
  const h = 0.9;
  const pHid = params.hiddenMass ?? 1e-3;
  const values = new Float64Array(X * A * d);
  const fr = rng.split("features");
  const b = new Float64Array(7);
  for (let x = 0; x < X; x++) {
    for (let a = 0; a < A; a++) {
      const o = (x * A + a) * d;
      fr.unitBall(7, b);
      const scale = a < 30 ? 1 : Math.sqrt(1 - h * h);
      for (let k = 0; k < 7; k++) values[o + k] = scale * b[k];
      values[o + 7] = a < 30 ? 0 : h;
    }
  }
  const theta = new Float64Array(d);
  theta.set(rng.split("theta").unitSphere(7));
  theta[7] = 2;
  const common = softmaxReference(rng.split("reference"), X, 30, 0.5);
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    for (let a = 0; a < 30; a++) probs[x * A + a] = (1 - pHid) * common.probs[x * 30 + a];
    probs[x * A + 30] = pHid / 2;
    probs[x * A + 31] = pHid / 2;
  }
  const features: FeatureMap = { contexts: X, actions: A, dim: d, values };
  const problem: BanditProblem = {
    contexts: X,
    actions: A,
    dim: d,
    features,
    reference: { contexts: X, actions: A, probs },
    contextWeights: uniformWeights(X),
    eta: params.eta ?? DEFAULT_ETA,
    normBound: Math.sqrt(5),
  };
  return assembleInstance({
    id: "H",
    version: 1,
    problem,
    theta,
    rng,
    preference: params.preference,
    misspecification: params.misspecification,
  });
}

export { linearBandit, unitBallFeatures };
