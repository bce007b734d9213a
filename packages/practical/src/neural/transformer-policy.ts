import type * as tfType from "@tensorflow/tfjs";
import type { Rng } from "@gsh/core";
import { type SequenceProblem, referenceRow } from "@gsh/preference";
import type { NeuralTrainOptions, NeuralTrainingRun, SequencePair } from "../sequence/neural-types";
import { makeDense } from "./dense";
import { finiteLog } from "./read";
import { trainSequenceDpo } from "./sequence-policy";

export interface TransformerOptions {
  /** Model width d (default 64). */
  readonly width?: number;
  /** Transformer blocks (default 2). */
  readonly layers?: number;
  /** Attention heads (default 4; must divide the width). */
  readonly heads?: number;
}

interface Block {
  readonly ln1: [tfType.Variable, tfType.Variable];
  readonly qkv: [tfType.Variable, tfType.Variable]; // d × 3d, 3d
  readonly out: [tfType.Variable, tfType.Variable]; // d × d, d
  readonly ln2: [tfType.Variable, tfType.Variable];
  readonly up: [tfType.Variable, tfType.Variable]; // d × 4d, 4d
  readonly down: [tfType.Variable, tfType.Variable]; // 4d × d, d
}

/**
 * A small causal transformer policy for the sequence bandit (pre-norm, GPT-style): position t reads
 * E[y_{t−1}] + P[x] + Pos[t] (y_0 = the start symbol), passes `layers` blocks of masked multi-head self-attention and
 * a 4d-wide ReLU MLP, each behind a LayerNorm with a residual connection, then a final LayerNorm and a head U, and
 * log π_θ(y_t | x, y_{<t}) = log π0(y_t | x, y_{t−1}) + (U·h_t)[y_t] − log-normaliser. U starts at exactly zero, so
 * π_θ = π0 at step 0. Full-prefix (not Markov): scored by Monte Carlo with intervals, like the recurrent policy.
 * Embeddings are one-hot products, not `gather` (its gradient needs a kernel the wasm backend lacks).
 */
export class TransformerSequencePolicy {
  readonly kind = "neural-transformer";
  private readonly E: tfType.Variable; // (V+1) × d
  private readonly P: tfType.Variable; // X × d
  private readonly Pos: tfType.Variable; // L × d
  private readonly blocks: Block[] = [];
  private readonly lnF: [tfType.Variable, tfType.Variable];
  private readonly U: tfType.Variable; // d × V, zero
  private readonly logPi0: Float32Array;
  private readonly dense: ReturnType<typeof makeDense>;
  private readonly width: number;
  private readonly heads: number;

  constructor(
    private readonly tf: typeof tfType,
    readonly problem: SequenceProblem,
    rng: Rng,
    options: TransformerOptions = {},
  ) {
    const d = (this.width = options.width ?? 64);
    const H = (this.heads = options.heads ?? 4);
    if (d % H !== 0) throw new RangeError(`transformer width ${d} is not a multiple of its ${H} heads`);
    const { prompts: X, vocab: V, length: L } = problem;
    // GPT-2's initialisation: N(0, 0.02²) weights, residual projections scaled by 1/√(2·layers), zero biases.
    const normal = (rows: number, cols: number, sd: number) =>
      tf.variable(
        tf.tensor2d(
          Float32Array.from({ length: rows * cols }, () => sd * rng.normal()),
          [rows, cols],
        ),
      );
    const zeros = (n: number) => tf.variable(tf.zeros([n]));
    const ones = (n: number) => tf.variable(tf.ones([n]));
    const layers = options.layers ?? 2;
    const residualSd = 0.02 / Math.sqrt(2 * layers);
    this.E = normal(V + 1, d, 0.02);
    this.P = normal(X, d, 0.02);
    this.Pos = normal(L, d, 0.01);
    for (let l = 0; l < layers; l++)
      this.blocks.push({
        ln1: [ones(d), zeros(d)],
        qkv: [normal(d, 3 * d, 0.02), zeros(3 * d)],
        out: [normal(d, d, residualSd), zeros(d)],
        ln2: [ones(d), zeros(d)],
        up: [normal(d, 4 * d, 0.02), zeros(4 * d)],
        down: [normal(4 * d, d, residualSd), zeros(d)],
      });
    this.lnF = [ones(d), zeros(d)];
    this.U = tf.variable(tf.zeros([d, V]));
    this.logPi0 = Float32Array.from(problem.reference, finiteLog);
    this.dense = makeDense(tf);
  }

  get trainable(): tfType.Variable[] {
    return [
      this.E,
      this.P,
      this.Pos,
      ...this.blocks.flatMap((b) => [...b.ln1, ...b.qkv, ...b.out, ...b.ln2, ...b.up, ...b.down]),
      ...this.lnF,
      this.U,
    ];
  }

  private layerNorm(x: tfType.Tensor2D, [gain, bias]: [tfType.Variable, tfType.Variable]): tfType.Tensor2D {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias) as tfType.Tensor2D;
  }

  /** Causal multi-head self-attention of h ([n·L, d] rows, sequence-major) with its output projection. */
  private attention(h: tfType.Tensor2D, n: number, b: Block, mask: tfType.Tensor): tfType.Tensor2D {
    const tf = this.tf;
    const { length: L } = this.problem;
    const d = this.width;
    const H = this.heads;
    const dk = d / H;
    const qkv = this.dense(h, b.qkv[0], b.qkv[1]); // [n·L, 3d]
    const split = (k: number) =>
      tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, k * d], [n * L, d]), [n, L, H, dk]), [0, 2, 1, 3]), [
        n * H,
        L,
        dk,
      ]) as tfType.Tensor3D;
    const [q, k, v] = [split(0), split(1), split(2)];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)), mask);
    const mixed = tf.matMul(tf.softmax(scores), v); // [n·H, L, dk]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [n, H, L, dk]), [0, 2, 1, 3]), [n * L, d]);
    return this.dense(merged as tfType.Tensor2D, b.out[0], b.out[1]);
  }

  /** log π_θ(· | x, y_{<t}) at every position t of each (prompt, tokens) row: [n·L, V]. */
  private positionLogProbs(xs: readonly number[], ys: readonly Int32Array[]): tfType.Tensor2D {
    const tf = this.tf;
    const { vocab: V, length: L, prompts: X } = this.problem;
    const n = xs.length;
    const prev = new Int32Array(n * L);
    const base = new Float32Array(n * L * V);
    xs.forEach((x, i) => {
      for (let t = 0; t < L; t++) {
        const s = t === 0 ? V : ys[i][t - 1];
        prev[i * L + t] = s;
        const o = referenceRow(this.problem, x, s) * V;
        base.set(this.logPi0.subarray(o, o + V), (i * L + t) * V);
      }
    });
    const tokens = tf.matMul(tf.oneHot(tf.tensor1d(prev, "int32"), V + 1).toFloat(), this.E);
    const promptRows = Int32Array.from({ length: n * L }, (_, r) => xs[Math.floor(r / L)]);
    const prompts = tf.matMul(tf.oneHot(tf.tensor1d(promptRows, "int32"), X).toFloat(), this.P);
    const positions = tf.reshape(tf.tile(tf.expandDims(this.Pos, 0), [n, 1, 1]), [n * L, this.width]);
    let h = tf.add(tf.add(tokens, prompts), positions) as tfType.Tensor2D;
    const mask = tf.tensor2d(
      Float32Array.from({ length: L * L }, (_, r) => (r % L > Math.floor(r / L) ? -1e9 : 0)),
      [L, L],
    );
    for (const b of this.blocks) {
      h = tf.add(h, this.attention(this.layerNorm(h, b.ln1), n, b, mask)) as tfType.Tensor2D;
      const m = tf.relu(this.dense(this.layerNorm(h, b.ln2), b.up[0], b.up[1])) as tfType.Tensor2D;
      h = tf.add(h, this.dense(m, b.down[0], b.down[1])) as tfType.Tensor2D;
    }
    const g = tf.matMul(this.layerNorm(h, this.lnF), this.U);
    return tf.logSoftmax(tf.add(tf.tensor2d(base, [n * L, V]), g)) as tfType.Tensor2D;
  }

  /** The per-position log-probabilities as a [n, L, V] array (for tests of the causal mask and of step 0). */
  stepLogProbs(xs: readonly number[], ys: readonly Int32Array[]): Float32Array {
    return this.tf.tidy(() => this.positionLogProbs(xs, ys)).dataSync() as Float32Array;
  }

  /** log π_θ(y | x) for a batch of full sequences: [n]. */
  sequenceLogProb(xs: readonly number[], ys: readonly Int32Array[]): tfType.Tensor1D {
    const tf = this.tf;
    const { vocab: V, length: L } = this.problem;
    const picks = new Int32Array(xs.length * L);
    ys.forEach((y, i) => picks.set(y.subarray(0, L), i * L));
    const lp = this.positionLogProbs(xs, ys);
    const chosen = tf.sum(tf.mul(lp, tf.oneHot(tf.tensor1d(picks, "int32"), V)), 1);
    return tf.sum(tf.reshape(chosen, [xs.length, L]), 1) as tfType.Tensor1D;
  }

  /**
   * Exact samples y ~ π_θ(·|x), token by token, with their log-probabilities. Incremental decoding: each position's
   * keys and values are computed once and cached, so sampling costs L single-position passes instead of L full ones
   * (agrees with `sequenceLogProb`'s full pass to f32 rounding: tested).
   */
  sample(xs: readonly number[], rng: Rng): { ys: Int32Array[]; logProbs: Float64Array } {
    const tf = this.tf;
    const { vocab: V, length: L, prompts: X } = this.problem;
    const n = xs.length;
    const d = this.width;
    const H = this.heads;
    const dk = d / H;
    const ys = xs.map(() => new Int32Array(L));
    const logProbs = new Float64Array(n);
    const prev = new Int32Array(n).fill(V);
    const keys: tfType.Tensor[][] = this.blocks.map(() => []); // per block, per position: [n, H, 1, dk]
    const values: tfType.Tensor[][] = this.blocks.map(() => []);
    const heads = (t: tfType.Tensor2D) => tf.transpose(tf.reshape(t, [n, 1, H, dk]), [0, 2, 1, 3]); // [n, H, 1, dk]
    const promptRows = tf.matMul(tf.oneHot(tf.tensor1d(Int32Array.from(xs), "int32"), X).toFloat(), this.P);
    try {
      for (let t = 0; t < L; t++) {
        const lp = tf.tidy(() => {
          const token = tf.matMul(tf.oneHot(tf.tensor1d(prev, "int32"), V + 1).toFloat(), this.E);
          const pos = tf.slice(this.Pos, [t, 0], [1, d]);
          let h = tf.add(tf.add(token, promptRows), pos) as tfType.Tensor2D;
          this.blocks.forEach((b, l) => {
            const qkv = this.dense(this.layerNorm(h, b.ln1), b.qkv[0], b.qkv[1]);
            const q = heads(tf.slice(qkv, [0, 0], [n, d]));
            keys[l].push(tf.keep(heads(tf.slice(qkv, [0, d], [n, d]))));
            values[l].push(tf.keep(heads(tf.slice(qkv, [0, 2 * d], [n, d]))));
            const K = keys[l].length === 1 ? keys[l][0] : tf.concat(keys[l], 2); // [n, H, t+1, dk]
            const Vv = values[l].length === 1 ? values[l][0] : tf.concat(values[l], 2);
            const att = tf.softmax(tf.mul(tf.matMul(q, K, false, true), 1 / Math.sqrt(dk))); // [n, H, 1, t+1]
            const mixed = tf.reshape(tf.transpose(tf.matMul(att, Vv), [0, 2, 1, 3]), [n, d]) as tfType.Tensor2D;
            h = tf.add(h, this.dense(mixed, b.out[0], b.out[1])) as tfType.Tensor2D;
            const m = tf.relu(this.dense(this.layerNorm(h, b.ln2), b.up[0], b.up[1])) as tfType.Tensor2D;
            h = tf.add(h, this.dense(m, b.down[0], b.down[1])) as tfType.Tensor2D;
          });
          const base = new Float32Array(n * V);
          xs.forEach((x, i) => {
            const o = referenceRow(this.problem, x, prev[i]) * V;
            base.set(this.logPi0.subarray(o, o + V), i * V);
          });
          return tf.logSoftmax(tf.add(tf.tensor2d(base, [n, V]), tf.matMul(this.layerNorm(h, this.lnF), this.U)));
        });
        const row = lp.dataSync();
        lp.dispose();
        for (let i = 0; i < n; i++) {
          const v = rng.categorical(Array.from(row.subarray(i * V, (i + 1) * V), Math.exp));
          ys[i][t] = v;
          logProbs[i] += row[i * V + v];
          prev[i] = v;
        }
      }
    } finally {
      promptRows.dispose();
      for (const t of [...keys.flat(), ...values.flat()]) t.dispose();
    }
    return { ys, logProbs };
  }

  /** DPO with reference π0 under the options' training regime (as the Markov model). */
  trainDpo(
    pairs: readonly SequencePair[],
    logPi0: (x: number, y: Int32Array) => number,
    rng: Rng,
    options: NeuralTrainOptions,
  ): NeuralTrainingRun {
    return trainSequenceDpo(this.tf, this, pairs, logPi0, rng, options);
  }

  dispose(): void {
    for (const v of this.trainable) v.dispose();
  }
}
