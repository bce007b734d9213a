import { defineAlgorithm, z } from "@gsh/preference";
import { reinforceRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** PPO: clipped ratio objective over several epochs per batch, a learned value baseline per state (the prompt; on sequences the prompt, position and previous token), returns-to-go (default k1 in the reward, per token, as InstructGPT) */
export const ppoAlgorithm = defineAlgorithm({
  name: "ppo",
  track: "practical",
  description:
    "PPO: clipped ratio objective over several epochs per batch, a learned value baseline per state (the prompt; on sequences the prompt, position and previous token), returns-to-go (default k1 in the reward, per token, as InstructGPT)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(1, "ppo"),
      ...klParams({ estimator: "k1", placement: "reward", granularity: "token" }),
      epochs: z.number().int().positive().default(4),
      clip: z.number().gt(0, "clip must be in (0, 1)").lt(1, "clip must be in (0, 1)").default(0.2),
      /** Step of the value table toward each return. */
      valueStep: z.number().gt(0).max(1).default(0.1),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) =>
    runPgTrial(ctx, p, "ppo", reinforceRule(), { epochs: p.epochs, clip: p.clip, valueStep: p.valueStep }),
});
