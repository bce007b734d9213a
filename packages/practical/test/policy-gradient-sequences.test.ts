import { AliasTable, Rng } from "@gsh/core";
import { SEQUENCE_SIZES, evaluateGibbsPolicy, testbedS } from "@gsh/testbeds";
import { bigramReward, enumerateResponses, sequenceFeatureCovariance, sequenceReward } from "@gsh/preference";
import {
  type KlConfig,
  Batch,
  UNIT_FACTORS,
  addLossGradient,
  covariancePreconditioner,
  drawBatch,
  enumeratedSequenceUpdate,
  iterateToFixedPoint,
  logLinearSequenceModel,
  objectiveConfig,
  penaliseRewards,
  relativeError,
  rlooRule,
  sampledUpdate,
  sequenceExpectedUpdate,
  type SequenceModel,
  tokenAdvantages,
} from "../src/policy-gradient";
import { numericGradient } from "./finite-differences";

// The audit on the tiny sequence bandit (V = 4, L = 4: 256 responses per prompt), against enumeration: the forward
// passes equal the enumerated sums; per-token k2 in the loss is not ∇KL while sequence-level k2 is; k1 in the reward
// is ∇J (finite differences of the exact J); exact expected updates reach π*; PPO's first epoch is REINFORCE.

const world = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
const { problem } = world;
const { vocab: V, length: L } = problem;
const rStar = world.truth.bigram;
const all = enumerateResponses(V, L);

function modelAt(): SequenceModel {
  const m = logLinearSequenceModel(problem);
  const r = Rng.seeded(3);
  for (let k = 0; k < m.size; k++) m.params[k] = 1.5 * r.normal();
  m.refresh();
  return m;
}

// exact E_x Σ_y π(y|x)·f(log π(y), log π0(y)), by enumeration
function enumerate(m: SequenceModel, f: (lp: number, lp0: number, y: Int32Array) => number): number {
  const lp = new Float64Array(L),
    lp0 = new Float64Array(L);
  let total = 0;
  for (let x = 0; x < problem.prompts; x++)
    for (const y of all) {
      m.tokenLogProbs(x, y, lp, lp0);
      const a = lp.reduce((s, v) => s + v, 0);
      const b = lp0.reduce((s, v) => s + v, 0);
      total += problem.contextWeights[x] * Math.exp(a) * f(a, b, y);
    }
  return total;
}

const configs: KlConfig[] = [];
for (const estimator of ["k1", "k2", "k3"] as const)
  for (const placement of ["reward", "loss"] as const)
    for (const granularity of ["sequence", "token"] as const)
      configs.push({ coefficient: 0.2, estimator, placement, granularity });

describe("exact audit on the tiny S", () => {
  it.each(configs)("the forward passes equal enumeration: $estimator-$placement/$granularity", (kl) => {
    const m = modelAt();
    const dp = sequenceExpectedUpdate(m, problem, rStar, kl, UNIT_FACTORS);
    const en = enumeratedSequenceUpdate(m, problem, rStar, kl, UNIT_FACTORS);
    if (kl.estimator === "k2" && kl.placement === "reward" && kl.granularity === "sequence") {
      expect(dp).toBeNull(); // E[l²·φ] has no forward pass: enumeration only
      return;
    }
    expect(relativeError(dp!, en)).toBeLessThan(1e-10);
  });

  it("k1 in the reward at η_t = η is ∇J (finite differences of the exact J)", () => {
    const m = modelAt();
    const J = () => enumerate(m, (a, b, y) => sequenceReward(rStar, V, y) - problem.eta * (a - b));
    const g = numericGradient(m, J);
    const u = sequenceExpectedUpdate(m, problem, rStar, objectiveConfig(problem.eta), UNIT_FACTORS)!;
    expect(relativeError(u, g)).toBeLessThan(1e-9);
  });

  it("sequence-level k2 in the loss is η_t·∇KL(π‖π0); per-token k2 is not", () => {
    const m = modelAt();
    const grad = numericGradient(m, () => enumerate(m, (a, b) => a - b));
    const target = grad.map((v) => -0.2 * v);
    const zero = new Float64Array(rStar.length);
    const seq = enumeratedSequenceUpdate(
      m,
      problem,
      zero,
      { ...configs[0], estimator: "k2", placement: "loss" },
      UNIT_FACTORS,
    );
    const tok = enumeratedSequenceUpdate(
      m,
      problem,
      zero,
      { ...configs[0], estimator: "k2", placement: "loss", granularity: "token" },
      UNIT_FACTORS,
    );
    expect(relativeError(seq, target)).toBeLessThan(1e-9);
    expect(relativeError(tok, target)).toBeGreaterThan(0.05);
  });

  it("exact expected updates of REINFORCE with k1 in the reward reach π* (SubOpt ≤ 1e-8)", () => {
    const m = logLinearSequenceModel(problem);
    const fp = iterateToFixedPoint(
      m,
      () => sequenceExpectedUpdate(m, problem, rStar, objectiveConfig(problem.eta), UNIT_FACTORS)!,
      () => covariancePreconditioner(sequenceFeatureCovariance(problem, m.rows()), problem.dim, problem.eta),
      { eta: problem.eta, etaTrain: problem.eta, rewardFactor: 1 },
    );
    expect(fp.converged).toBe(true);
    expect(evaluateGibbsPolicy(problem, world.truth, m.gibbs()).subopt).toBeLessThanOrEqual(1e-8);
  });

  it("RLOO's sampled update with per-token k3 in the loss agrees with the exact expectation (99% interval)", () => {
    const m = modelAt();
    const kl: KlConfig = { coefficient: 0.2, estimator: "k3", placement: "loss", granularity: "token" };
    const exact = sequenceExpectedUpdate(m, problem, rStar, kl, UNIT_FACTORS)!;
    const contexts = new AliasTable(problem.contextWeights);
    const env = {
      drawPrompt: (r: Rng) => contexts.sample(r),
      reward: (_x: number, y: Int32Array) => sequenceReward(rStar, V, y),
    };
    const rng = Rng.seeded(11);
    const M = 1500;
    let s = 0,
      ss = 0,
      target = 0;
    for (let i = 0; i < exact.length; i++) target += exact[i] * exact[i];
    for (let b = 0; b < M; b++) {
      const u = sampledUpdate(m, env, { samplesPerPrompt: 4, promptsPerStep: 2, kl, rule: rlooRule }, rng);
      let p = 0;
      for (let i = 0; i < u.length; i++) p += u[i] * exact[i];
      s += p;
      ss += p * p;
    }
    const mean = s / M;
    const sd = Math.sqrt((ss / M - mean * mean) / (M - 1));
    expect(Math.abs(mean - target)).toBeLessThan(2.576 * sd);
  });

  it("PPO with one epoch, one full-batch minibatch and the same advantages takes REINFORCE's update", () => {
    const m = modelAt();
    const contexts = new AliasTable(problem.contextWeights);
    const env = {
      drawPrompt: (r: Rng) => contexts.sample(r),
      reward: (_x: number, y: Int32Array) => sequenceReward(rStar, V, y),
    };
    const kl: KlConfig = { coefficient: 0.2, estimator: "k3", placement: "loss", granularity: "token" };
    const batch = new Batch({ groups: 3, perGroup: 4 }, L, () => m.newResponse());
    drawBatch(m, env, batch, Rng.seeded(5));
    penaliseRewards(batch, kl);
    const resp = new Float64Array(batch.size);
    rlooRule.advantages(batch.penalised, batch.shape, resp);
    const adv = new Float64Array(batch.size * L);
    tokenAdvantages(batch, resp, adv);
    const norm = new Float64Array(batch.size).fill(1);
    const plain = new Float64Array(m.size);
    const ppo = new Float64Array(m.size);
    addLossGradient(m, batch, adv, norm, kl, plain);
    addLossGradient(m, batch, adv, norm, kl, ppo, { oldLogp: Float64Array.from(batch.logp), clip: 0.2 });
    expect(relativeError(ppo, plain)).toBeLessThan(1e-12);
    expect(Math.max(...plain.map(Math.abs))).toBeGreaterThan(1e-3);
  });
});

// the learned reward's bigram is the same map as r*'s: a check that the audit reads a reward model's θ̂ correctly
it("a reward model's bigram table scores sequences as <θ̂, φ>", () => {
  const theta = Float64Array.from({ length: problem.dim }, (_, i) => Math.sin(i));
  const b = bigramReward(problem, theta);
  const y = all[37];
  let phiDot = 0,
    s = V;
  for (let t = 0; t < L; t++) {
    for (let k = 0; k < problem.dim; k++) phiDot += (theta[k] * problem.psi[(s * V + y[t]) * problem.dim + k]) / L;
    s = y[t];
  }
  expect(Math.abs(sequenceReward(b, V, y) - phiDot)).toBeLessThan(1e-12);
});
