import type * as tfType from "@tensorflow/tfjs";

/**
 * AdamW on TF.js variables, the twin of `AdamW` (f64) in ../training: decoupled weight decay (applied to weight
 * matrices and embeddings, rank ≥ 2, not to biases or norm gains, as the Hugging Face Trainer groups them),
 * β₁ = 0.9, β₂ = 0.999, ε = 1e-8, the learning rate and a gradient scale (the clipping factor) passed per step.
 */
export class TfAdamW {
  private readonly m: tfType.Variable[];
  private readonly v: tfType.Variable[];
  private t = 0;

  constructor(
    private readonly tf: typeof tfType,
    private readonly variables: readonly tfType.Variable[],
    private readonly weightDecay: number,
  ) {
    this.m = variables.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /** One step: every gradient is multiplied by `scale` (a scalar tensor, e.g. the clipping factor) first. */
  step(grads: readonly tfType.Tensor[], lr: number, scale: tfType.Scalar): void {
    const tf = this.tf;
    this.t++;
    const c1 = 1 - Math.pow(0.9, this.t);
    const c2 = 1 - Math.pow(0.999, this.t);
    tf.tidy(() => {
      this.variables.forEach((x, i) => {
        const g = tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.m[i], 0.9), tf.mul(g, 0.1));
        const v = tf.add(tf.mul(this.v[i], 0.999), tf.mul(tf.square(g), 0.001));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), 1e-8));
        const decayed = x.rank >= 2 && this.weightDecay > 0 ? tf.mul(x, 1 - lr * this.weightDecay) : x;
        x.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/**
 * The global norm of a gradient list and the clipping factor min(1, maxNorm/‖g‖) as tensors (no read-back: the
 * step stays on the device).
 */
export function globalNormClip(
  tf: typeof tfType,
  grads: readonly tfType.Tensor[],
  maxNorm: number,
): { norm: tfType.Scalar; scale: tfType.Scalar } {
  return tf.tidy(() => {
    const sq = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(tf.addN(sq)) as tfType.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-30))) as tfType.Scalar;
    return { norm, scale };
  });
}
