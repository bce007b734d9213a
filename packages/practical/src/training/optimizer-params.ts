import { z } from "@gsh/preference";
import { type Schedule, warmupStepsFor } from "./schedule";

/**
 * The optimiser settings every gradient-trained learner shares (the neural preference learners and the
 * policy-gradient ones): AdamW with linear warm-up, a decay shape, decoupled weight decay and global gradient-norm
 * clipping. The defaults are fixed in advance by one rule (see the README, "Training regime"), not tuned on results:
 * - learning rate 1e-3: PyTorch's and Keras's Adam default, the rate for weights trained from their initialisation
 *   (every gsh model's trained part starts new; 5e-5 and below are fine-tuning rates for pretrained weights);
 * - warm-up 10% of the steps, cosine decay to 0: the alignment handbook's DPO recipe (Zephyr);
 * - weight decay 0.01: PyTorch's AdamW default;
 * - max gradient norm 1: the Hugging Face Trainer's default (TRL's trainers inherit it).
 */
export const optimizerParams = {
  learningRate: z.number().positive().default(1e-3),
  warmupFraction: z.number().min(0).max(1).default(0.1),
  decay: z.enum(["cosine", "linear", "constant"]).default("cosine"),
  weightDecay: z.number().min(0).default(0.01),
  maxGradNorm: z.number().positive().default(1),
};

export interface OptimizerSettings {
  readonly learningRate: number;
  readonly warmupFraction: number;
  readonly decay: "cosine" | "linear" | "constant";
  readonly weightDecay: number;
  readonly maxGradNorm: number;
}

/** The defaults of `optimizerParams`, as plain values (for library callers that build no schema). */
export const DEFAULT_OPTIMIZER: OptimizerSettings = z.object(optimizerParams).parse({});

/** The schedule of a run of `totalSteps` steps under these settings. */
export const scheduleFor = (o: OptimizerSettings, totalSteps: number): Schedule => ({
  peak: o.learningRate,
  warmupSteps: warmupStepsFor(o.warmupFraction, totalSteps),
  totalSteps,
  decay: o.decay,
});
