import { defineAlgorithm, z } from "@gsh/preference";
import { reinforceRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** REINFORCE with a moving-average baseline: on-policy policy gradient from r* or a BT reward model on budget π0 pairs, KL as configured (default k1 in the reward) */
export const reinforceAlgorithm = defineAlgorithm({
  name: "reinforce",
  track: "practical",
  description:
    "REINFORCE with a moving-average baseline: on-policy policy gradient from r* or a BT reward model on budget π0 pairs, KL as configured (default k1 in the reward)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(1, "reinforce"),
      ...klParams({ estimator: "k1", placement: "reward", granularity: "sequence" }),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => runPgTrial(ctx, p, "reinforce", reinforceRule()),
});
