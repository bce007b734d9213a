import { type EnvironmentShape, z } from "@gsh/preference";
import type { LossSpec } from "./losses";
import { DEFAULT_OPTIMIZER, optimizerParams } from "./training/optimizer-params";
import { DEFAULT_EPOCH_TRAINING, type NeuralTraining } from "./sequence/neural-types";

// Parameter schemas the practical algorithms' definitions share, declared once (defaults fixed in advance: see the
// README; nothing was tuned on the results).

/** Every environment kind: the practical algorithms are written once against the learner abstraction. */
export const ALL_KINDS = ["bandit", "non-transitive", "sequence"] as const;

/** The pairwise loss of the DPO family. */
export const lossKind = z.enum(["dpo", "cdpo", "ipo", "hinge-norm", "hinge", "sigmoid-norm"]).default("dpo");
/** A loss kind as a one-term loss list. */
export const lossOf = (kind: z.output<typeof lossKind>): LossSpec => [{ loss: { kind }, weight: 1 }];

/** The trained policy class: log-linear (the Gibbs family, every kind) or tabular (finite environments only). */
export const policyClass = z.enum(["log-linear", "tabular"]).default("log-linear");

/** Why a policy class cannot run on an environment kind, or null: a tabular policy over Vᴸ responses is not offered. */
export function policyUnsupported(shape: EnvironmentShape, policy: z.output<typeof policyClass>): string | null {
  return shape.kind === "sequence" && policy !== "log-linear"
    ? `policy '${policy}' is not available on sequences: use log-linear`
    : null;
}

/** Iterative DPO's rounds, responses per prompt and pair rule (shared by its log-linear and neural entries). */
export const iterativeParams = {
  rounds: z.number().int().positive().default(3),
  responses: z.number().int().min(2).default(8),
  pairRule: z.enum(["random", "max-random", "max-min"]).default("max-min"),
};

/**
 * A TF.js policy's size, its training regime and an optional backend preference. The "epochs" regime's defaults
 * (README, "Training regime"): the optimiser's from `optimizerParams`; minibatch 32 (Keras `fit`'s default); every
 * tenth pair held out and evaluated 4 times per epoch; early stopping with patience one epoch (4 evaluations) and
 * restore-best decides the length, within a cap of 10 epochs that sets the warm-up and decay. The cap replaced a
 * first rule of 3 epochs (the Hugging Face Trainer's default) after the held-out curves showed that rule stopping
 * every run at ≥ 3000 pairs while its held-out loss was still falling; both stay measured in the `neural` suite.
 * The "fixed-steps" regime is gsh's earlier one (Adam at learning rate 0.01, minibatches of 256 drawn with
 * replacement, a fixed step count), kept as a named configuration.
 */
export const neuralParams = {
  width: z.number().int().positive().default(64),
  layers: z.number().int().positive().default(2),
  regime: z.enum(["epochs", "fixed-steps"]).default("epochs"),
  epochs: z.number().int().positive().default(10),
  /** Default 32 in the epoch regime, 256 in the fixed-steps one. */
  batchSize: z.number().int().positive().optional(),
  ...optimizerParams,
  /** Default 1e-3 in the epoch regime (`optimizerParams`), 0.01 in the fixed-steps one. */
  learningRate: z.number().positive().optional(),
  heldOutEvery: z.number().int().min(0).default(10),
  evalsPerEpoch: z.number().int().positive().default(4),
  patience: z.number().int().positive().default(4),
  backend: z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).optional(),
  /** Run on the fastest available backend when `backend` is not available here (default false: refuse the suite). */
  backendFallback: z.boolean().default(false),
};
type NeuralParams = z.output<z.ZodObject<typeof neuralParams>>;

/** Parameters that only one regime reads: naming one under the other regime is refused when the suite loads. */
export function refineRegime(stepsKey: string) {
  return (p: Record<string, unknown> & { regime: "epochs" | "fixed-steps" }, ctx: z.RefinementCtx): void => {
    if (p.regime === "epochs" && p[stepsKey] !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [stepsKey],
        message: `'${stepsKey}' applies to regime 'fixed-steps'; the 'epochs' regime trains for 'epochs' passes`,
      });
  };
}

/** The training regime a neural entry asked for, with each regime's defaults filled in. */
export function neuralTraining(p: NeuralParams, steps: number | undefined, defaultSteps: number): NeuralTraining {
  if (p.regime === "fixed-steps")
    return {
      regime: "fixed-steps",
      steps: steps ?? defaultSteps,
      learningRate: p.learningRate ?? 0.01,
      batchSize: p.batchSize ?? 256,
    };
  return {
    ...DEFAULT_EPOCH_TRAINING,
    epochs: p.epochs,
    batchSize: p.batchSize ?? DEFAULT_EPOCH_TRAINING.batchSize,
    learningRate: p.learningRate ?? DEFAULT_OPTIMIZER.learningRate,
    warmupFraction: p.warmupFraction,
    decay: p.decay,
    weightDecay: p.weightDecay,
    maxGradNorm: p.maxGradNorm,
    heldOutEvery: p.heldOutEvery,
    evalsPerEpoch: p.evalsPerEpoch,
    patience: p.patience,
  };
}
