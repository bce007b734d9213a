import { type EnvironmentShape, z } from "@gsh/preference";
import { optimizerParams } from "../training";
import { ALL_KINDS, policyClass, policyUnsupported } from "../params";
import {
  KL_ESTIMATOR_NAMES,
  KL_GRANULARITIES,
  KL_PLACEMENTS,
  type KlEstimator,
  type KlPlacement,
  type KlGranularity,
} from "./kl-penalty";
import { REWARD_SOURCES } from "./reward-source";

// The parameters every policy-gradient learner shares, with defaults fixed in advance by one rule (README,
// "Policy gradient"), never tuned on results: k = 8 responses per prompt (RLOO's and GRPO's small-group setting, and
// the benchmark shape), 20 prompts per step (every prompt of S, S-large and T once per step in expectation),
// 1000 steps, and the shared optimiser's defaults (AdamW 1e-3, 10% warm-up, cosine decay, clipping at 1).

export const PG_KINDS = ALL_KINDS;

/** The KL configuration's parameters, with the learner's own default placement. */
export function klParams(defaults: { estimator: KlEstimator; placement: KlPlacement; granularity: KlGranularity }) {
  return {
    /** η_train ≥ 0 (0: no KL term); absent: the environment's η. */
    klCoefficient: z.number().min(0, "η_train (klCoefficient) must be ≥ 0").optional(),
    klEstimator: z.enum(KL_ESTIMATOR_NAMES).default(defaults.estimator),
    klGranularity: z.enum(KL_GRANULARITIES).default(defaults.granularity),
    klPlacement: z.enum(KL_PLACEMENTS).default(defaults.placement),
  };
}

/** Responses per prompt: at least `min` (2 where the baseline is built from the other responses to the prompt). */
export const samplesPerPrompt = (min: 1 | 2, learner: string) =>
  z
    .number()
    .int()
    .min(min, min === 2 ? `${learner} needs k ≥ 2 responses per prompt (its baseline uses the others)` : "k ≥ 1")
    .default(8);

export const commonParams = {
  policy: policyClass,
  /** "gold": r* (an upper bound); "learned": a BT reward model on `budget` π0 pairs (ridge `rewardL2`). */
  reward: z.enum(REWARD_SOURCES).default("learned"),
  rewardL2: z.number().positive().default(1),
  promptsPerStep: z.number().int().positive().default(20),
  steps: z.number().int().positive().default(1000),
  ...optimizerParams,
};

/** Why these parameters cannot run on this environment, or null: tabular off finite environments, r* where none exists. */
export function pgUnsupported(
  shape: EnvironmentShape,
  p: { readonly policy: z.output<typeof policyClass>; readonly reward: string },
): string | null {
  if (p.reward === "gold" && shape.kind === "non-transitive")
    return "reward 'gold' needs an r*; non-transitive preferences have none (use reward: learned)";
  return policyUnsupported(shape, p.policy);
}
