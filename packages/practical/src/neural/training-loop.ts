import type * as tfType from "@tensorflow/tfjs";
import type { Rng } from "@gsh/core";
import { learningRateAt } from "../training/schedule";
import { geometricCheckpoints } from "../train";
import { scheduleFor } from "../training/optimizer-params";
import type { DisplacementPoint, EpochTraining, NeuralTraining, NeuralTrainingRun } from "../sequence/neural-types";
import { TfAdamW, globalNormClip } from "./adamw-tf";

/** The objective a training loop minimises: the mean loss of the pairs at the given indices, differentiable. */
export type BatchLoss = (indices: readonly number[]) => tfType.Scalar;

export interface PairTraining {
  readonly variables: readonly tfType.Variable[];
  /** How many pairs there are (indices 0 … pairCount − 1). */
  readonly pairCount: number;
  readonly batchLoss: BatchLoss;
  /** Measured at every held-out evaluation (the model holds that step's parameters), given the training pairs. */
  readonly displacement?: (step: number, trainIndices: readonly number[]) => DisplacementPoint;
}

/** Which pairs are held out: index k with k mod every = every − 1 (stable as pairs are appended). */
export function heldOutSplit(pairCount: number, every: number): { train: number[]; heldOut: number[] } {
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let k = 0; k < pairCount; k++) (every > 0 && k % every === every - 1 ? heldOut : train).push(k);
  return { train, heldOut };
}

/** The mean loss over `indices`, in chunks (no gradient tape). */
export function meanLoss(tf: typeof tfType, batchLoss: BatchLoss, indices: readonly number[], chunk = 1024): number {
  let sum = 0;
  for (let i = 0; i < indices.length; i += chunk) {
    const part = indices.slice(i, i + chunk);
    const t = tf.tidy(() => batchLoss(part));
    sum += t.dataSync()[0] * part.length;
    t.dispose();
  }
  return sum / indices.length;
}

/**
 * Trains `variables` on pairs under `training`: the epoch regime (shuffled minibatches, AdamW, warm-up and decay,
 * global-norm clipping, held-out early stopping and restore-best) or the fixed-steps regime (gsh's pre-2026-12-06
 * Adam loop, unchanged so its rows reproduce). Minibatch order comes from `rng` alone.
 */
export function trainOnPairs(
  tf: typeof tfType,
  task: PairTraining,
  rng: Rng,
  training: NeuralTraining,
): NeuralTrainingRun {
  return training.regime === "fixed-steps" ? fixedSteps(tf, task, rng, training) : byEpochs(tf, task, rng, training);
}

function fixedSteps(
  tf: typeof tfType,
  task: PairTraining,
  rng: Rng,
  t: Extract<NeuralTraining, { regime: "fixed-steps" }>,
): NeuralTrainingRun {
  const batch = Math.min(t.batchSize, task.pairCount);
  const opt = tf.train.adam(t.learningRate);
  const trainLoss: number[] = [];
  for (let step = 0; step < t.steps; step++) {
    const idx = Array.from({ length: batch }, () => rng.int(task.pairCount));
    const cost = opt.minimize(() => task.batchLoss(idx), true);
    trainLoss.push(cost!.dataSync()[0]);
    cost!.dispose();
  }
  opt.dispose();
  return { trainLoss, heldOut: [], bestStep: null, epochs: NaN, stoppedEarly: false, displacement: [] };
}

function byEpochs(tf: typeof tfType, task: PairTraining, rng: Rng, t: EpochTraining): NeuralTrainingRun {
  const { train, heldOut } = heldOutSplit(task.pairCount, t.heldOutEvery);
  const batch = Math.max(1, Math.min(t.batchSize, train.length));
  const stepsPerEpoch = Math.ceil(train.length / batch);
  const totalSteps = stepsPerEpoch * t.epochs;
  const schedule = scheduleFor(t, totalSteps);
  const evalEvery = Math.max(1, Math.ceil(stepsPerEpoch / t.evalsPerEpoch));
  const opt = new TfAdamW(tf, task.variables, t.weightDecay);
  const trainLoss: number[] = [];
  const heldOutCurve: { step: number; loss: number }[] = [];
  let best: { step: number; loss: number; snapshot: tfType.Tensor[] } | null = null;
  let sinceBest = 0;
  const displacement: DisplacementPoint[] = [];
  let evaluations = 0;
  const evaluate = (step: number): void => {
    // The displacement needs log π of every distinct response in the data: measured at the 1st, 2nd, 3rd, 4th,
    // 6th, 8th, 11th, 16th, … evaluation (every ~√2×), which keeps its cost below the training's.
    if (task.displacement && (evaluations === 0 || geometricCheckpoints(evaluations)))
      displacement.push(task.displacement(step, train));
    evaluations++;
    if (!heldOut.length) return;
    const loss = meanLoss(tf, task.batchLoss, heldOut);
    heldOutCurve.push({ step, loss });
    if (!best || loss < best.loss) {
      for (const s of best?.snapshot ?? []) s.dispose();
      best = { step, loss, snapshot: task.variables.map((v) => tf.keep(v.clone())) };
      sinceBest = 0;
    } else sinceBest++;
  };
  evaluate(0);
  let step = 0;
  let epochs = 0;
  let stoppedEarly = false;
  outer: for (let e = 0; e < t.epochs; e++) {
    epochs++;
    const order = rng.shuffle(train.slice());
    for (let b = 0; b < stepsPerEpoch; b++) {
      const idx = order.slice(b * batch, (b + 1) * batch);
      const { value, grads } = tf.variableGrads(() => task.batchLoss(idx), task.variables as tfType.Variable[]);
      const list = task.variables.map((v) => grads[v.name]);
      const { scale, norm } = globalNormClip(tf, list, t.maxGradNorm);
      opt.step(list, learningRateAt(step, schedule), scale);
      trainLoss.push(value.dataSync()[0]);
      for (const x of [value, scale, norm, ...list]) x.dispose();
      step++;
      if (step % evalEvery === 0 || step === totalSteps) {
        evaluate(step);
        if (heldOut.length && sinceBest >= t.patience) {
          stoppedEarly = step < totalSteps;
          break outer;
        }
      }
    }
  }
  opt.dispose();
  const kept = best as { step: number; snapshot: tfType.Tensor[] } | null;
  if (kept) {
    task.variables.forEach((v, i) => v.assign(kept.snapshot[i]));
    for (const s of kept.snapshot) s.dispose();
  }
  return { trainLoss, heldOut: heldOutCurve, bestStep: kept?.step ?? null, epochs, stoppedEarly, displacement };
}
