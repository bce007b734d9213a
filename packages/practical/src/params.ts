import { type EnvironmentShape, z } from "@gsh/preference";
import type { LossSpec } from "./losses";

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

/** A TF.js policy's size and Adam settings, and an optional backend preference. */
export const neuralParams = {
  width: z.number().int().positive().default(64),
  layers: z.number().int().positive().default(2),
  learningRate: z.number().positive().default(0.01),
  batchSize: z.number().int().positive().default(256),
  backend: z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).optional(),
  /** Run on the fastest available backend when `backend` is not available here (default false: refuse the suite). */
  backendFallback: z.boolean().default(false),
};
