import type * as tfType from "@tensorflow/tfjs";
import { type Policy, type Rng, softmaxInto } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import { makeDense, mlpForward, mlpVariables } from "./dense";
import { readAndDispose } from "./read";
import type { PairBatch } from "../pairs-data";
import type { BanditPolicyModel } from "../policies";
import type { NeuralTrainOptions, NeuralTrainingRun } from "../sequence/neural-types";
import { DisplacementProbe, type ResponsePair } from "../displacement";
import { trainOnPairs } from "./training-loop";

/**
 * The neural policy for finite action sets: π_θ(a|x) ∝ π0(a|x)·exp(g_θ(φ(x,a))), g an MLP whose last layer starts
 * at zero (so it starts at π0). With reference π0 the DPO margin is g(φ(x,a^w)) − g(φ(x,a^l)) (the normalizer
 * cancels), so a training step needs no softmax over actions.
 */
export class NeuralBanditPolicy implements BanditPolicyModel {
  readonly kind = "neural-mlp";
  private readonly vars: { W: tfType.Variable[]; b: tfType.Variable[] };
  private readonly dense: ReturnType<typeof makeDense>;
  private cache: Policy | null = null;

  constructor(
    private readonly tf: typeof tfType,
    readonly problem: BanditProblem,
    rng: Rng,
    options: { width?: number; layers?: number; plainAutodiff?: boolean } = {},
  ) {
    const width = options.width ?? 64;
    this.vars = mlpVariables(tf, [problem.dim, ...new Array<number>(options.layers ?? 2).fill(width), 1], rng);
    // plainAutodiff: the default TF.js matMul gradient (kept for the benchmark's comparison with the custom one)
    this.dense = options.plainAutodiff ? (x, W, b) => tf.add(tf.matMul(x, W), b) as tfType.Tensor2D : makeDense(tf);
  }

  private scores(rows: Float32Array, n: number): tfType.Tensor1D {
    const x = this.tf.tensor2d(rows, [n, this.problem.dim]);
    return this.tf.reshape(mlpForward(this.tf, this.dense, this.vars, x), [n]) as tfType.Tensor1D;
  }

  private featureRows(x: readonly number[], a: readonly number[]): Float32Array {
    const { dim: d, actions: A, features } = this.problem;
    const out = new Float32Array(x.length * d);
    for (let i = 0; i < x.length; i++)
      out.set(features.values.subarray((x[i] * A + a[i]) * d, (x[i] * A + a[i] + 1) * d), i * d);
    return out;
  }

  /** The exact distribution over every (x, a), renormalized in f64 (cached until the next training step). */
  distribution(): Policy {
    if (this.cache) return this.cache;
    const { contexts: X, actions: A, features, reference } = this.problem;
    const g = readAndDispose(this.tf.tidy(() => this.scores(Float32Array.from(features.values), X * A)));
    const probs = new Float64Array(X * A);
    for (let i = 0; i < X * A; i++) probs[i] = reference.probs[i] > 0 ? Math.log(reference.probs[i]) + g[i] : -Infinity;
    for (let x = 0; x < X; x++) softmaxInto(probs, probs, x * A, A);
    this.cache = { contexts: X, actions: A, probs };
    return this.cache;
  }

  logProb(x: number, a: number): number {
    return Math.log(this.distribution().probs[x * this.problem.actions + a]);
  }

  /** DPO's mean loss on the pairs at `idx`: softplus(−η·(g(φ(x,a^w)) − g(φ(x,a^l)))) (−log σ(z) = softplus(−z)). */
  dpoLoss(pairs: PairBatch, idx: readonly number[], eta: number): tfType.Scalar {
    const tf = this.tf;
    const xs = idx.map((i) => pairs.contexts[i]);
    const w = this.featureRows(
      xs,
      idx.map((i) => pairs.chosen[i]),
    );
    const l = this.featureRows(
      xs,
      idx.map((i) => pairs.rejected[i]),
    );
    const h = tf.sub(this.scores(w, idx.length), this.scores(l, idx.length));
    return tf.mean(tf.softplus(tf.neg(tf.mul(h, eta)))) as tfType.Scalar;
  }

  /** One Adam step of DPO on a minibatch of pairs; returns its loss (the benchmark's unit of work). */
  dpoStep(optimizer: tfType.Optimizer, pairs: PairBatch, idx: readonly number[], eta: number): number {
    this.cache = null;
    const cost = optimizer.minimize(() => this.dpoLoss(pairs, idx, eta), true);
    const v = cost!.dataSync()[0];
    cost!.dispose();
    return v;
  }

  /** DPO with reference π0 under the options' training regime (`trainOnPairs`). */
  trainDpo(pairs: PairBatch, rng: Rng, options: NeuralTrainOptions): NeuralTrainingRun {
    this.cache = null;
    const list: ResponsePair<number>[] = Array.from({ length: pairs.size }, (_, i) => ({
      x: pairs.contexts[i],
      chosen: pairs.chosen[i],
      rejected: pairs.rejected[i],
    }));
    const { reference, actions: A, contextWeights } = this.problem;
    const probe = options.trackDisplacement
      ? new DisplacementProbe(list, String, (x, a) => Math.log(reference.probs[x * A + a]), contextWeights)
      : null;
    const run = trainOnPairs(
      this.tf,
      {
        variables: this.trainable,
        pairCount: pairs.size,
        batchLoss: (idx) => {
          this.cache = null;
          return this.dpoLoss(pairs, idx, options.eta);
        },
        displacement: probe
          ? (step, train) => {
              this.cache = null;
              const p = this.distribution().probs;
              return probe.measure(
                step,
                probe.xs.map((x, d) => Math.log(p[x * A + probe.responses[d]])),
                train,
              );
            }
          : undefined,
      },
      rng,
      options.training,
    );
    this.cache = null;
    return run;
  }

  get trainable(): tfType.Variable[] {
    return [...this.vars.W, ...this.vars.b];
  }

  dispose(): void {
    for (const v of this.trainable) v.dispose();
  }
}
