import type { Rng } from "@gsh/core";
import { AdamW, type OptimizerSettings, clipByGlobalNorm, learningRateAt, scheduleFor } from "../training";
import type { AdvantageRule, BatchShape } from "./advantages";
import { type KlConfig, klSlope, klValue } from "./kl-penalty";
import type { PolicyModel } from "./policy-model";

// The one sampling/update loop every policy-gradient learner runs: draw P prompts from d0 and k responses to each
// from the current policy, score them with the reward source, fold the KL penalty into the reward where configured,
// turn rewards into advantages by the learner's rule, and take AdamW steps on the loss
//   (1/N)·Σ_i (1/n_i)·Σ_t [ −ρ_it·A_it  +  η_t·(KL estimator, where it sits in the loss) ],
// with ρ = 1 on the first pass (the REINFORCE-family update) and PPO's clipped ratio over its epochs.

/** Where prompts come from and what scores a response (the caller counts the reward calls). */
export interface PgEnvironment<R> {
  drawPrompt(rng: Rng): number;
  reward(x: number, y: R): number;
}

/** PPO's clipped surrogate: epochs over the batch (one full-batch minibatch each), clip range ε, value step size. */
export interface PpoSettings {
  readonly epochs: number;
  readonly clip: number;
  /** Step of the per-state value table toward each return (an exponential moving average). */
  readonly valueStep: number;
}

export interface LoopSettings {
  readonly samplesPerPrompt: number;
  readonly promptsPerStep: number;
  readonly steps: number;
  readonly kl: KlConfig;
  readonly rule: AdvantageRule;
  readonly ppo?: PpoSettings;
  readonly optimizer: OptimizerSettings;
  /** Called before the first step (step 0) and after each step with the step count. */
  readonly onStep?: (step: number) => void;
}

/** One batch of responses with what the update needs of each. */
export class Batch<R> {
  readonly size: number;
  readonly prompts: Int32Array;
  readonly responses: R[];
  /** r(x, y), the reward source's score. */
  readonly rewards: Float64Array;
  /** The reward the advantages see: r − η_t·(estimator) where the KL sits in the reward, else r. */
  readonly penalised: Float64Array;
  /** Per token (size × maxLength): log π, log π0, and the KL penalty charged to that token (reward placement). */
  readonly logp: Float64Array;
  readonly logp0: Float64Array;
  readonly tokenPenalty: Float64Array;
  readonly lengths: Int32Array;

  constructor(
    readonly shape: BatchShape,
    readonly maxLength: number,
    make: () => R,
  ) {
    this.size = shape.groups * shape.perGroup;
    this.prompts = new Int32Array(this.size);
    this.responses = Array.from({ length: this.size }, make);
    this.rewards = new Float64Array(this.size);
    this.penalised = new Float64Array(this.size);
    this.logp = new Float64Array(this.size * maxLength);
    this.logp0 = new Float64Array(this.size * maxLength);
    this.tokenPenalty = new Float64Array(this.size * maxLength);
    this.lengths = new Int32Array(this.size);
  }

  /** log π(y_i)/π0(y_i), summed over tokens. */
  logRatio(i: number): number {
    let l = 0;
    for (let t = 0; t < this.maxLength; t++)
      l += this.logp[i * this.maxLength + t] - this.logp0[i * this.maxLength + t];
    return l;
  }
}

/** Draws P prompts and k responses each from the model, and scores them. */
export function drawBatch<R>(model: PolicyModel<R>, env: PgEnvironment<R>, batch: Batch<R>, rng: Rng): void {
  const { groups, perGroup } = batch.shape;
  const L = model.maxLength;
  for (let g = 0; g < groups; g++) {
    const x = env.drawPrompt(rng);
    for (let j = 0; j < perGroup; j++) {
      const i = g * perGroup + j;
      batch.prompts[i] = x;
      batch.responses[i] = model.sample(x, rng, batch.responses[i]);
      batch.lengths[i] = model.tokenLogProbs(
        x,
        batch.responses[i],
        batch.logp.subarray(i * L, (i + 1) * L),
        batch.logp0.subarray(i * L, (i + 1) * L),
      );
      batch.rewards[i] = env.reward(x, batch.responses[i]);
    }
  }
}

/**
 * Folds the KL penalty into the reward where it sits there (stop-gradient: computed at the sampling policy). Per
 * sequence, the response is charged η_t·k(Σ_t l_t) (on its last token, for returns-to-go); per token, η_t·k(l_t)
 * on each token.
 */
export function penaliseRewards<R>(batch: Batch<R>, kl: KlConfig): void {
  const L = batch.maxLength;
  batch.tokenPenalty.fill(0);
  for (let i = 0; i < batch.size; i++) {
    let penalty = 0;
    if (kl.placement === "reward" && kl.coefficient > 0) {
      if (kl.granularity === "sequence" || L === 1) {
        penalty = kl.coefficient * klValue(kl.estimator, batch.logRatio(i));
        batch.tokenPenalty[i * L + L - 1] = penalty;
      } else
        for (let t = 0; t < L; t++) {
          const p = kl.coefficient * klValue(kl.estimator, batch.logp[i * L + t] - batch.logp0[i * L + t]);
          batch.tokenPenalty[i * L + t] = p;
          penalty += p;
        }
    }
    batch.penalised[i] = batch.rewards[i] - penalty;
  }
}

/**
 * grad += ∇ of the batch loss at the model's current parameters. `advantages` holds one value per token
 * (size × maxLength). With `ratio` (PPO), token t of response i enters as min(ρA, clip(ρ, 1 ± ε)·A), ρ =
 * π(y_t)/π_old(y_t) with π_old's log-probabilities in `ratio.oldLogp`; without it ρ ≡ 1 (the on-policy update).
 * The KL term in the loss is differentiated at the current parameters. Returns the loss value.
 */
export function addLossGradient<R>(
  model: PolicyModel<R>,
  batch: Batch<R>,
  advantages: Float64Array,
  normalizers: Float64Array,
  kl: KlConfig,
  grad: Float64Array,
  ratio?: { readonly oldLogp: Float64Array; readonly clip: number },
): number {
  const L = model.maxLength;
  const N = batch.size;
  const logp = new Float64Array(L);
  const logp0 = new Float64Array(L);
  const c = new Float64Array(L);
  const klInLoss = kl.placement === "loss" && kl.coefficient > 0;
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const x = batch.prompts[i];
    const y = batch.responses[i];
    const w = 1 / (N * normalizers[i]);
    if (ratio || klInLoss) model.tokenLogProbs(x, y, logp, logp0);
    let uniform = true;
    for (let t = 0; t < L; t++) {
      const a = advantages[i * L + t];
      let ct: number;
      if (ratio) {
        const rho = Math.exp(logp[t] - ratio.oldLogp[i * L + t]);
        const clipped = Math.min(Math.max(rho, 1 - ratio.clip), 1 + ratio.clip);
        loss -= w * Math.min(rho * a, clipped * a);
        // the gradient flows only through the unclipped branch when it is the smaller one
        ct = rho * a <= clipped * a ? -w * rho * a : 0;
      } else {
        loss -= w * a;
        ct = -w * a;
      }
      c[t] = ct;
      if (t > 0 && ct !== c[0]) uniform = false;
    }
    if (klInLoss) {
      if (kl.granularity === "sequence" || L === 1) {
        let l = 0;
        for (let t = 0; t < L; t++) l += logp[t] - logp0[t];
        loss += w * kl.coefficient * klValue(kl.estimator, l);
        const s = w * kl.coefficient * klSlope(kl.estimator, l);
        for (let t = 0; t < L; t++) c[t] += s;
      } else {
        uniform = false;
        for (let t = 0; t < L; t++) {
          const l = logp[t] - logp0[t];
          loss += w * kl.coefficient * klValue(kl.estimator, l);
          c[t] += w * kl.coefficient * klSlope(kl.estimator, l);
        }
      }
    }
    if (uniform) model.addSequenceScore(x, y, c[0], grad);
    else model.addTokenScores(x, y, c, grad);
  }
  return loss;
}

/** A per-state value table for PPO's baseline (the prompt on finite environments; (prompt, position, state) on sequences). */
export interface ValueTable {
  /** The state index of token t of response y to prompt x. */
  state(x: number, t: number, previous: number): number;
  readonly values: Float64Array;
}

/**
 * Token advantages: the response's advantage on every token (REINFORCE family), or, for PPO, the return-to-go minus
 * the value of the state the token was drawn from, G_t − V(s_t), with G_t = r − (penalties charged to tokens ≥ t).
 * PPO's value table then moves toward each return by `valueStep` (after the advantages are taken: unbiased).
 */
export function tokenAdvantages<R>(
  batch: Batch<R>,
  responseAdvantages: Float64Array,
  out: Float64Array,
  value?: { readonly table: ValueTable; readonly step: number; readonly tokenOf: (y: R, t: number) => number },
): void {
  const L = batch.maxLength;
  if (!value) {
    for (let i = 0; i < batch.size; i++) out.fill(responseAdvantages[i], i * L, (i + 1) * L);
    return;
  }
  // every token's state and return-to-go G_t = r − (penalties of tokens ≥ t): the penalties of earlier tokens are
  // not this token's consequence
  const states = new Int32Array(batch.size * L);
  const returns = new Float64Array(batch.size * L);
  for (let i = 0; i < batch.size; i++) {
    const x = batch.prompts[i];
    const y = batch.responses[i];
    let togo = batch.rewards[i];
    for (let t = 0; t < L; t++) togo -= batch.tokenPenalty[i * L + t];
    let previous = -1;
    for (let t = 0; t < L; t++) {
      states[i * L + t] = value.table.state(x, t, previous);
      returns[i * L + t] = togo;
      togo += batch.tokenPenalty[i * L + t];
      previous = value.tokenOf(y, t);
    }
  }
  const V = value.table.values;
  for (let j = 0; j < states.length; j++) out[j] = returns[j] - V[states[j]];
  for (let j = 0; j < states.length; j++) V[states[j]] += value.step * (returns[j] - V[states[j]]);
}

/** What a run reports: steps, samples drawn and reward calls (compute, not queries), and its last-step diagnostics. */
export interface LoopResult {
  readonly steps: number;
  readonly samples: number;
  readonly rewardCalls: number;
  readonly diagnostics: Readonly<Record<string, number>>;
}

/** Runs `settings.steps` steps of the learner on the model, in place. */
export function runPolicyGradient<R>(
  model: PolicyModel<R>,
  env: PgEnvironment<R>,
  settings: LoopSettings,
  rng: Rng,
  value?: { readonly table: ValueTable; readonly tokenOf: (y: R, t: number) => number },
): LoopResult {
  const shape = { groups: settings.promptsPerStep, perGroup: settings.samplesPerPrompt };
  const batch = new Batch(shape, model.maxLength, () => model.newResponse());
  const L = model.maxLength;
  const N = batch.size;
  const responseAdv = new Float64Array(N);
  const adv = new Float64Array(N * L);
  const norm = new Float64Array(N);
  const grad = new Float64Array(model.size);
  const opt = new AdamW(model.size, settings.optimizer.weightDecay);
  const schedule = scheduleFor(settings.optimizer, settings.steps);
  let samples = 0;
  let lastNorm = 0;
  let lastLoss = 0;
  let meanReward = 0;
  settings.onStep?.(0);
  for (let step = 0; step < settings.steps; step++) {
    drawBatch(model, env, batch, rng);
    samples += N;
    penaliseRewards(batch, settings.kl);
    settings.rule.advantages(batch.penalised, shape, responseAdv);
    settings.rule.observe?.(batch.penalised);
    const ppo = settings.ppo;
    tokenAdvantages(batch, responseAdv, adv, ppo && value ? { ...value, step: ppo.valueStep } : undefined);
    for (let i = 0; i < N; i++) norm[i] = settings.rule.normalizer(batch.lengths, i, shape, L);
    const lr = learningRateAt(step, schedule);
    const epochs = ppo ? ppo.epochs : 1;
    const oldLogp = ppo ? Float64Array.from(batch.logp) : null;
    for (let e = 0; e < epochs; e++) {
      grad.fill(0);
      lastLoss = addLossGradient(
        model,
        batch,
        adv,
        norm,
        settings.kl,
        grad,
        ppo && oldLogp ? { oldLogp, clip: ppo.clip } : undefined,
      );
      lastNorm = clipByGlobalNorm([grad], settings.optimizer.maxGradNorm).norm;
      opt.step(model.params, grad, lr);
      model.refresh();
    }
    meanReward = 0;
    for (let i = 0; i < N; i++) meanReward += batch.rewards[i] / N;
    settings.onStep?.(step + 1);
  }
  return {
    steps: settings.steps,
    samples,
    rewardCalls: samples,
    diagnostics: { "pg/lastLoss": lastLoss, "pg/lastGradNorm": lastNorm, "pg/lastMeanReward": meanReward },
  };
}

/**
 * The update direction (−∇ of the batch loss) of one freshly drawn batch at the model's current parameters, before
 * clipping and the optimiser: what the audit's exact expectation is the mean of.
 */
export function sampledUpdate<R>(
  model: PolicyModel<R>,
  env: PgEnvironment<R>,
  settings: Pick<LoopSettings, "samplesPerPrompt" | "promptsPerStep" | "kl" | "rule">,
  rng: Rng,
): Float64Array {
  const shape = { groups: settings.promptsPerStep, perGroup: settings.samplesPerPrompt };
  const batch = new Batch(shape, model.maxLength, () => model.newResponse());
  const N = batch.size;
  const L = model.maxLength;
  drawBatch(model, env, batch, rng);
  penaliseRewards(batch, settings.kl);
  const responseAdv = new Float64Array(N);
  settings.rule.advantages(batch.penalised, shape, responseAdv);
  const adv = new Float64Array(N * L);
  tokenAdvantages(batch, responseAdv, adv);
  const norm = new Float64Array(N);
  for (let i = 0; i < N; i++) norm[i] = settings.rule.normalizer(batch.lengths, i, shape, L);
  const grad = new Float64Array(model.size);
  addLossGradient(model, batch, adv, norm, settings.kl, grad);
  for (let k = 0; k < grad.length; k++) grad[k] = -grad[k];
  return grad;
}
