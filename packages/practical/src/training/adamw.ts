/**
 * AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization"), in f64 for the log-linear and tabular
 * policies: θ ← θ − lr·(m̂/(√v̂ + ε) + λ·θ), β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (PyTorch's defaults). The learning rate
 * is passed per step, so any schedule drives it.
 */
export class AdamW {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    readonly size: number,
    private readonly weightDecay: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One step on `params` in place, from the gradient `grad` (of the loss to minimise) at learning rate `lr`. */
  step(params: Float64Array, grad: Float64Array, lr: number): void {
    this.t++;
    const { beta1: b1, beta2: b2, m, v } = this;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const decay = 1 - lr * this.weightDecay;
    for (let k = 0; k < params.length; k++) {
      m[k] = b1 * m[k] + (1 - b1) * grad[k];
      v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k];
      params[k] = params[k] * decay - (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + this.epsilon);
    }
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }
}
