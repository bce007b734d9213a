import type * as tfType from "@tensorflow/tfjs";
import { GshException, type Rng, invalidArgument, softmaxInto } from "@gsh/core";
import { type MarkovPolicy, type SequenceProblem, referenceRow } from "@gsh/preference";
import { makeDense, makeInputDense, mlpForward, mlpVariables } from "./dense";
import { finiteLog, readAndDispose } from "./read";

import type { NeuralTrainOptions, NeuralTrainingRun, SequencePair } from "../sequence/neural-types";
import { DisplacementProbe } from "../displacement";
import { trainOnPairs } from "./training-loop";

export type { NeuralTrainOptions, SequencePair };

/**
 * The autoregressive neural policy for the sequence bandit:
 * log π_θ(y_t | x, t, y_{t−1}) = log π0(y_t | x, y_{t−1}) + g_θ(x, t, y_{t−1})[y_t] − log-normalizer,
 * g an MLP on one-hot (prompt, position, previous token) whose last layer starts at zero. It therefore starts exactly
 * at π0 and stays Markov, so `markovTables()` turns it into a `MarkovPolicy` evaluated exactly by the DP.
 */
/** Entries of the Markov MLP's exact table above which it is refused (2²⁴: 128 MB of f64, plus TF.js copies). */
export const MARKOV_TABLE_LIMIT = 2 ** 24;

export class NeuralSequencePolicy {
  readonly kind = "neural-autoregressive";
  private readonly vars: { W: tfType.Variable[]; b: tfType.Variable[] };
  private readonly dense: ReturnType<typeof makeDense>;
  private readonly inputDense: ReturnType<typeof makeInputDense>;
  private readonly inputDim: number;
  private readonly logPi0: Float32Array; // π0's rows (`referenceRow`), V columns

  constructor(
    private readonly tf: typeof tfType,
    readonly problem: SequenceProblem,
    rng: Rng,
    options: { width?: number; layers?: number } = {},
  ) {
    const { prompts: X, length: L, vocab: V } = problem;
    const entries = X * L * (V + 1) * V;
    if (entries > MARKOV_TABLE_LIMIT)
      throw new GshException(
        invalidArgument(
          "architecture",
          `the Markov MLP is scored through its exact X·L·(V+1)·V = ${entries} table, above ${MARKOV_TABLE_LIMIT}: use the recurrent policy (scored by Monte Carlo) on this size`,
        ),
      );
    this.inputDim = X + L + V + 1;
    const width = options.width ?? 64;
    const layers = options.layers ?? 2;
    this.vars = mlpVariables(tf, [this.inputDim, ...new Array<number>(layers).fill(width), V], rng);
    this.dense = makeDense(tf);
    this.inputDense = makeInputDense(tf);
    this.logPi0 = Float32Array.from(problem.reference, finiteLog);
  }

  /** One-hot rows for (x, t, s) triples, and their transpose (for the first layer's weight gradient). */
  private encode(triples: readonly (readonly [number, number, number])[]): {
    x: tfType.Tensor2D;
    xT: tfType.Tensor2D;
  } {
    const { prompts: X, length: L } = this.problem;
    const n = triples.length;
    const D = this.inputDim;
    const data = new Float32Array(n * D);
    const dataT = new Float32Array(n * D);
    triples.forEach(([x, t, s], i) => {
      for (const c of [x, X + t, X + L + s]) {
        data[i * D + c] = 1;
        dataT[c * n + i] = 1;
      }
    });
    return { x: this.tf.tensor2d(data, [n, D]), xT: this.tf.tensor2d(dataT, [D, n]) };
  }

  /** log π_θ(· | x, t, s) for a batch of triples: [n, V]. */
  private stepLogProbs(triples: readonly (readonly [number, number, number])[]): tfType.Tensor2D {
    const tf = this.tf;
    const V = this.problem.vocab;
    const { x, xT } = this.encode(triples);
    const g = mlpForward(tf, this.dense, this.vars, x, { xT, dense: this.inputDense });
    // log π0 rows copied in JS: a constant, so no gather kernel (slow on wasm) and no gradient to route.
    const base = new Float32Array(triples.length * V);
    triples.forEach(([x, , s], i) => {
      const o = referenceRow(this.problem, x, s) * V;
      base.set(this.logPi0.subarray(o, o + V), i * V);
    });
    return tf.logSoftmax(tf.add(tf.tensor2d(base, [triples.length, V]), g)) as tfType.Tensor2D;
  }

  /** The model as exact Markov tables (f64), for the DP. */
  markovTables(): MarkovPolicy {
    const { prompts: X, length: L, vocab: V } = this.problem;
    const triples: [number, number, number][] = [];
    for (let x = 0; x < X; x++) for (let t = 0; t < L; t++) for (let s = 0; s <= V; s++) triples.push([x, t, s]);
    const lp = readAndDispose(this.tf.tidy(() => this.stepLogProbs(triples)));
    const probs = new Float64Array(lp.length);
    for (let i = 0; i < triples.length; i++) softmaxInto(lp, probs, i * V, V); // renormalize in f64
    return { prompts: X, vocab: V, length: L, probs };
  }

  /** Σ_t log π_θ(y_t | x, t, y_{t−1}) for each sequence: a [n] tensor. */
  sequenceLogProb(xs: readonly number[], ys: readonly Int32Array[]): tfType.Tensor1D {
    const tf = this.tf;
    const { length: L, vocab: V } = this.problem;
    const triples: [number, number, number][] = [];
    const picks: number[] = [];
    xs.forEach((x, i) => {
      let s = V;
      for (let t = 0; t < L; t++) {
        triples.push([x, t, s]);
        picks.push(ys[i][t]);
        s = ys[i][t];
      }
    });
    const lp = this.stepLogProbs(triples);
    const chosen = tf.sum(tf.mul(lp, tf.oneHot(tf.tensor1d(picks, "int32"), V)), 1);
    return tf.sum(tf.reshape(chosen, [xs.length, L]), 1) as tfType.Tensor1D;
  }

  /** DPO with reference π0 under the options' training regime (see `trainSequenceDpo`). */
  trainDpo(
    pairs: readonly SequencePair[],
    logPi0: (x: number, y: Int32Array) => number,
    rng: Rng,
    options: NeuralTrainOptions,
  ): NeuralTrainingRun {
    return trainSequenceDpo(this.tf, this, pairs, logPi0, rng, options);
  }

  get trainable(): tfType.Variable[] {
    return [...this.vars.W, ...this.vars.b];
  }

  dispose(): void {
    for (const v of this.trainable) v.dispose();
  }
}

/** Anything that gives differentiable log π_θ(y | x) for whole sequences, and its trainable variables. */
export interface SequenceLogProbModel {
  sequenceLogProb(xs: readonly number[], ys: readonly Int32Array[]): tfType.Tensor1D;
  readonly trainable: readonly tfType.Variable[];
  readonly problem: SequenceProblem;
}

/** log π_θ(y | x) of many sequences in f64, in chunks, without a gradient tape. */
export function sequenceLogProbs(
  tf: typeof tfType,
  model: SequenceLogProbModel,
  xs: readonly number[],
  ys: readonly Int32Array[],
  chunk = 2048,
): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i += chunk) {
    const v = readAndDispose(tf.tidy(() => model.sequenceLogProb(xs.slice(i, i + chunk), ys.slice(i, i + chunk))));
    out.set(v, i);
  }
  return out;
}

/**
 * DPO with reference π0 for sequence models: −log σ(η·h) with h = log π_θ/π0 (chosen) − log π_θ/π0 (rejected),
 * written as softplus(−ηh) (tf.logSigmoid's gradient disposes its input inside optimizer.minimize in TF.js 4.22),
 * trained by `trainOnPairs` under the options' regime. With `trackDisplacement`, the likelihood displacement is
 * measured at every held-out evaluation.
 */
export function trainSequenceDpo(
  tf: typeof tfType,
  model: SequenceLogProbModel,
  pairs: readonly SequencePair[],
  logPi0: (x: number, y: Int32Array) => number,
  rng: Rng,
  options: NeuralTrainOptions,
): NeuralTrainingRun {
  const ref = pairs.map((p) => logPi0(p.x, p.chosen) - logPi0(p.x, p.rejected));
  const batchLoss = (idx: readonly number[]): tfType.Scalar => {
    const xs = idx.map((i) => pairs[i].x);
    const refGap = tf.tensor1d(idx.map((i) => ref[i]));
    const h = tf.sub(
      tf.sub(
        model.sequenceLogProb(
          xs,
          idx.map((i) => pairs[i].chosen),
        ),
        model.sequenceLogProb(
          xs,
          idx.map((i) => pairs[i].rejected),
        ),
      ),
      refGap,
    );
    return tf.mean(tf.softplus(tf.neg(tf.mul(h, options.eta)))) as tfType.Scalar;
  };
  const probe = options.trackDisplacement
    ? new DisplacementProbe(pairs, (y) => y.join(","), logPi0, model.problem.contextWeights)
    : null;
  return trainOnPairs(
    tf,
    {
      variables: model.trainable,
      pairCount: pairs.length,
      batchLoss,
      displacement: probe
        ? (step, train) => probe.measure(step, sequenceLogProbs(tf, model, probe.xs, probe.responses), train)
        : undefined,
    },
    rng,
    options.training,
  );
}
