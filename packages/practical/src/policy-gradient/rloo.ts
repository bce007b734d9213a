import { defineAlgorithm, z } from "@gsh/preference";
import { rlooRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** RLOO: k responses per prompt, each baselined by the mean reward of the other k − 1 (default k1 in the reward, per sequence, as TRL's RLOO) */
export const rlooAlgorithm = defineAlgorithm({
  name: "rloo",
  track: "practical",
  description:
    "RLOO: k responses per prompt, each baselined by the mean reward of the other k − 1 (default k1 in the reward, per sequence, as TRL's RLOO)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(2, "rloo"),
      ...klParams({ estimator: "k1", placement: "reward", granularity: "sequence" }),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => runPgTrial(ctx, p, "rloo", rlooRule),
});
