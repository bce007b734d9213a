// How each learner turns a batch of P prompts × k responses into per-response advantages and loss weights. The
// rewards R are already penalised where the KL sits in the reward. Each rule is one learner's, as its paper states it.

/** A batch's shape: P groups of k responses (group g holds responses g·k … g·k + k − 1). */
export interface BatchShape {
  readonly groups: number;
  readonly perGroup: number;
}

/** A learner's advantage rule and its per-response loss normaliser (the token count its loss divides by). */
export interface AdvantageRule {
  /** Per-response advantages from the rewards, in place into `out`. */
  advantages(rewards: Float64Array, shape: BatchShape, out: Float64Array): void;
  /** What response i's summed token loss is divided by (1 on finite environments: every response is one token). */
  normalizer(lengths: Int32Array, i: number, shape: BatchShape, maxLength: number): number;
  /** Called after each step with the step's rewards (for baselines that learn across steps). */
  observe?(rewards: Float64Array): void;
}

const perResponse = () => 1;

/**
 * REINFORCE with a baseline: A = R − b, b an exponential moving average (decay 0.9) of past batches' mean reward,
 * 0 at the first step. b does not depend on the current batch, so the expected update is E[R·∇log π] exactly.
 */
export function reinforceRule(decay = 0.9): AdvantageRule {
  let baseline = 0;
  let seen = false;
  return {
    advantages(R, _shape, out) {
      for (let i = 0; i < R.length; i++) out[i] = R[i] - baseline;
    },
    normalizer: perResponse,
    observe(R) {
      let m = 0;
      for (let i = 0; i < R.length; i++) m += R[i];
      m /= R.length;
      baseline = seen ? decay * baseline + (1 - decay) * m : m;
      seen = true;
    },
  };
}

/** RLOO (Kool et al.; Ahmadian et al.): A_i = R_i − mean of the other k − 1 responses to the same prompt. */
export const rlooRule: AdvantageRule = {
  advantages(R, { groups, perGroup: k }, out) {
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += R[g * k + j];
      for (let j = 0; j < k; j++) out[g * k + j] = R[g * k + j] - (sum - R[g * k + j]) / (k - 1);
    }
  },
  normalizer: perResponse,
};

/**
 * GRPO (Shao et al., DeepSeekMath): A_i = (R_i − mean_g R) / (std_g R + ε) with the group's own mean and sample
 * standard deviation (ddof 1, as torch's `std`; ε = 1e-4 as TRL), or without the division (`std: false`). The loss
 * averages over each response's tokens ("sequence", the paper's 1/|o_i|) or over all tokens of the batch ("token").
 */
export function grpoRule(std: boolean, averaging: "sequence" | "token"): AdvantageRule {
  return {
    advantages: (R, shape, out) => groupCentred(R, shape, out, std),
    normalizer(lengths, i) {
      if (averaging === "sequence") return lengths[i];
      let total = 0;
      for (let j = 0; j < lengths.length; j++) total += lengths[j];
      return total / lengths.length;
    },
  };
}

/** Dr. GRPO (Liu et al., "Understanding R1-Zero-like training"): A_i = R_i − mean_g R, every loss divided by L. */
export const drGrpoRule: AdvantageRule = {
  advantages: (R, shape, out) => groupCentred(R, shape, out, false),
  normalizer: (_l, _i, _s, maxLength) => maxLength,
};

/** REINFORCE++ (Hu): A = R whitened over the whole batch (global mean and standard deviation, ε = 1e-8). */
export const reinforcePlusPlusRule: AdvantageRule = {
  advantages(R, _shape, out) {
    const n = R.length;
    let m = 0;
    for (let i = 0; i < n; i++) m += R[i];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (R[i] - m) ** 2;
    const sd = Math.sqrt(v / Math.max(1, n - 1));
    for (let i = 0; i < n; i++) out[i] = (R[i] - m) / (sd + 1e-8);
  },
  normalizer: perResponse,
};

function groupCentred(R: Float64Array, { groups, perGroup: k }: BatchShape, out: Float64Array, std: boolean) {
  for (let g = 0; g < groups; g++) {
    let m = 0;
    for (let j = 0; j < k; j++) m += R[g * k + j];
    m /= k;
    let scale = 1;
    if (std) {
      let v = 0;
      for (let j = 0; j < k; j++) v += (R[g * k + j] - m) ** 2;
      scale = 1 / (Math.sqrt(v / (k - 1)) + 1e-4);
    }
    for (let j = 0; j < k; j++) out[g * k + j] = (R[g * k + j] - m) * scale;
  }
}
