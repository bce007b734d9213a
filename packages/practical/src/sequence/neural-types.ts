// What the learners share with the neural policies, kept free of TF.js so that the root entry point of
// @gsh/practical loads and type-checks without it (the policies themselves are in "@gsh/practical/neural").
import type { OptimizerSettings } from "../training/optimizer-params";

export interface SequencePair {
  readonly x: number;
  readonly chosen: Int32Array;
  readonly rejected: Int32Array;
}

/**
 * How a neural policy is trained on preference pairs. "epochs" (the default regime): passes over the data in
 * shuffled minibatches, AdamW with warm-up and decay, global-norm clipping, every tenth pair held out for early
 * stopping and restore-best on the held-out preference loss. "fixed-steps": the regime gsh used before 2026-12-06
 * (plain Adam, a fixed number of steps on minibatches drawn with replacement, no held-out check), kept so its rows
 * stay reproducible and the difference visible.
 */
export type NeuralTraining = EpochTraining | FixedStepsTraining;

export interface EpochTraining extends OptimizerSettings {
  readonly regime: "epochs";
  readonly epochs: number;
  readonly batchSize: number;
  /** Every `heldOutEvery`-th pair (index k with k mod heldOutEvery = heldOutEvery − 1) is held out; 0: none. */
  readonly heldOutEvery: number;
  /** Held-out evaluations per epoch (and one before training). */
  readonly evalsPerEpoch: number;
  /** Stop after this many evaluations without a new best held-out loss. */
  readonly patience: number;
}

export interface FixedStepsTraining {
  readonly regime: "fixed-steps";
  readonly steps: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

/** The likelihood displacement at one evaluation (exact: log π of finitely many responses). */
export interface DisplacementPoint {
  readonly step: number;
  /** Mean over the training pairs of log π(chosen|x) − log π0(chosen|x). */
  readonly chosen: number;
  /** The same for the rejected responses. */
  readonly rejected: number;
  /** Σ_x d0(x)·(1 − Σ_{y in a pair with x} π(y|x)): the probability mass on responses that appear in no pair. */
  readonly unseenMass: number;
}

/** What one training run did, step by step (steps count from 1; step 0 is the model before training). */
export interface NeuralTrainingRun {
  /** The minibatch loss of every step. */
  readonly trainLoss: number[];
  /** The held-out preference loss at each evaluation (empty in the fixed-steps regime). */
  readonly heldOut: { readonly step: number; readonly loss: number }[];
  /** The step whose parameters were restored (the best held-out loss), or null without a held-out set. */
  readonly bestStep: number | null;
  /** Passes over the training pairs started. */
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  readonly displacement: DisplacementPoint[];
}

/** The regime with its defaults; see `neuralTrainingParams` for the rule that fixed them. */
export const DEFAULT_EPOCH_TRAINING: Omit<EpochTraining, keyof OptimizerSettings> = {
  regime: "epochs",
  epochs: 10,
  batchSize: 32,
  heldOutEvery: 10,
  evalsPerEpoch: 4,
  patience: 4,
};

export interface NeuralTrainOptions {
  /** DPO's β = the KL coefficient η. */
  readonly eta: number;
  readonly training: NeuralTraining;
  /** Measure the likelihood displacement at every held-out evaluation (epoch regime). */
  readonly trackDisplacement?: boolean;
}

/** A neural learner's record: one training run per fit (iterative DPO fits once per round). */
export interface NeuralRuns {
  readonly runs: readonly NeuralTrainingRun[];
}
