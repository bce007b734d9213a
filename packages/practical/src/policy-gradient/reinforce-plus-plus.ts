import { defineAlgorithm, z } from "@gsh/preference";
import { reinforcePlusPlusRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** REINFORCE++: advantages whitened over the whole batch (global mean and std), no critic (default k1 in the reward, per token) */
export const reinforcePlusPlusAlgorithm = defineAlgorithm({
  name: "reinforce++",
  track: "practical",
  description:
    "REINFORCE++: advantages whitened over the whole batch (global mean and std), no critic (default k1 in the reward, per token)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(1, "reinforce++"),
      ...klParams({ estimator: "k1", placement: "reward", granularity: "token" }),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => runPgTrial(ctx, p, "reinforce++", reinforcePlusPlusRule),
});
