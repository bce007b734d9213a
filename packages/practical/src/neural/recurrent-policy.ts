import type * as tfType from "@tensorflow/tfjs";
import type { Rng } from "@gsh/core";
import { type SequenceProblem, referenceRow } from "@gsh/preference";
import { type NeuralTrainOptions, type SequencePair, trainSequenceDpo } from "./sequence-policy";
import type { NeuralTrainingRun } from "../sequence/neural-types";
import { finiteLog } from "./read";

/**
 * The full-prefix recurrent policy for the sequence bandit: an Elman RNN reads the prompt and every previous token,
 * h_t = tanh(E[y_{t−1}] + P[x] + W·h_{t−1} + b), and log π_θ(y_t | x, y_{<t}) = log π0(y_t | x, y_{t−1}) + U·h_t with U
 * initialized to zero (it starts at π0). It is not Markov, so it is evaluated by Monte Carlo with a confidence
 * interval (`monteCarloEvaluation` in @gsh/testbeds), not by the DP.
 */
export class RecurrentSequencePolicy {
  readonly kind = "neural-recurrent";
  private readonly E: tfType.Variable; // (V+1) × H token embeddings
  private readonly P: tfType.Variable; // X × H prompt embeddings
  private readonly W: tfType.Variable; // H × H
  private readonly b: tfType.Variable;
  private readonly U: tfType.Variable; // H × V, zero
  private readonly logPi0: Float32Array; // π0's rows (`referenceRow`), V columns

  constructor(
    private readonly tf: typeof tfType,
    readonly problem: SequenceProblem,
    rng: Rng,
    options: { hidden?: number } = {},
  ) {
    const H = options.hidden ?? 32;
    const { prompts: X, vocab: V } = problem;
    const init = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
    this.E = tf.variable(tf.tensor2d(init((V + 1) * H, 0.5), [V + 1, H]));
    this.P = tf.variable(tf.tensor2d(init(X * H, 0.5), [X, H]));
    this.W = tf.variable(tf.tensor2d(init(H * H, 1 / Math.sqrt(H)), [H, H]));
    this.b = tf.variable(tf.zeros([H]));
    this.U = tf.variable(tf.zeros([H, V]));
    this.logPi0 = Float32Array.from(problem.reference, finiteLog);
  }

  /**
   * log π0(·|x_i, prev_i) for each sequence as a constant [n, V] tensor, the rows copied in JS: the same values as a
   * gather from a π0 tensor, without the gather kernel (at V = 513 it took a third of a trial on wasm); π0 is a
   * constant, so no gradient flows there either way.
   */
  private referenceLogits(xs: readonly number[], prev: Int32Array): tfType.Tensor2D {
    const V = this.problem.vocab;
    const rows = new Float32Array(xs.length * V);
    for (let i = 0; i < xs.length; i++) {
      const o = referenceRow(this.problem, xs[i], prev[i]) * V;
      rows.set(this.logPi0.subarray(o, o + V), i * V);
    }
    return this.tf.tensor2d(rows, [xs.length, V]);
  }

  /**
   * One recurrent step. Embeddings are looked up by one-hot products, not `gather`: the gradient of `gather` needs
   * UnsortedSegmentSum, which the wasm backend does not have.
   */
  private cell(h: tfType.Tensor2D, prev: tfType.Tensor1D, x: tfType.Tensor1D): tfType.Tensor2D {
    const tf = this.tf;
    const e = tf.matMul(tf.oneHot(prev, this.problem.vocab + 1).toFloat(), this.E);
    const p = tf.matMul(tf.oneHot(x, this.problem.prompts).toFloat(), this.P);
    return tf.tanh(tf.add(tf.add(tf.add(e, p), tf.matMul(h, this.W)), this.b)) as tfType.Tensor2D;
  }

  /** log π_θ(y | x) for a batch of full sequences: [n]. */
  sequenceLogProb(xs: readonly number[], ys: readonly Int32Array[]): tfType.Tensor1D {
    const tf = this.tf;
    const { vocab: V, length: L } = this.problem;
    const n = xs.length;
    const xIdx = tf.tensor1d(Int32Array.from(xs), "int32");
    let h: tfType.Tensor2D = tf.zeros([n, this.W.shape[0]]);
    let total: tfType.Tensor1D = tf.zeros([n]);
    const prev = new Int32Array(n).fill(V);
    for (let t = 0; t < L; t++) {
      const prevT = tf.tensor1d(Int32Array.from(prev), "int32");
      h = this.cell(h, prevT, xIdx);
      const lp = tf.logSoftmax(tf.add(this.referenceLogits(xs, prev), tf.matMul(h, this.U)));
      const cur = Int32Array.from(ys, (y) => y[t]);
      total = tf.add(total, tf.sum(tf.mul(lp, tf.oneHot(tf.tensor1d(cur, "int32"), V)), 1)) as tfType.Tensor1D;
      prev.set(cur);
    }
    return total;
  }

  /** Exact samples y ~ π_θ(·|x) (token by token), with their log-probabilities. */
  sample(xs: readonly number[], rng: Rng): { ys: Int32Array[]; logProbs: Float64Array } {
    const tf = this.tf;
    const { vocab: V, length: L } = this.problem;
    const n = xs.length;
    const ys = xs.map(() => new Int32Array(L));
    const logProbs = new Float64Array(n);
    const p = new Float64Array(V); // one row's weights, reused
    tf.tidy(() => {
      const xIdx = tf.tensor1d(Int32Array.from(xs), "int32");
      let h: tfType.Tensor2D = tf.zeros([n, this.W.shape[0]]);
      const prev = new Int32Array(n).fill(V);
      for (let t = 0; t < L; t++) {
        const prevT = tf.tensor1d(Int32Array.from(prev), "int32");
        h = this.cell(h, prevT, xIdx);
        const lp = tf.logSoftmax(tf.add(this.referenceLogits(xs, prev), tf.matMul(h, this.U))).dataSync();
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < V; k++) p[k] = Math.exp(lp[i * V + k]);
          const v = rng.categorical(p);
          ys[i][t] = v;
          logProbs[i] += lp[i * V + v];
          prev[i] = v;
        }
      }
    });
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

  get trainable(): tfType.Variable[] {
    return [this.E, this.P, this.W, this.b, this.U];
  }

  dispose(): void {
    for (const v of this.trainable) v.dispose();
  }
}
