import { defineAlgorithm, z } from "@gsh/preference";
import { drGrpoRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** Dr. GRPO: GRPO without its normalisations (group-mean baseline, no std division, every loss divided by the maximum length; default k3 in the loss, per token) */
export const drGrpoAlgorithm = defineAlgorithm({
  name: "dr-grpo",
  track: "practical",
  description:
    "Dr. GRPO: GRPO without its normalisations (group-mean baseline, no std division, every loss divided by the maximum length; default k3 in the loss, per token)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(2, "dr-grpo"),
      ...klParams({ estimator: "k3", placement: "loss", granularity: "token" }),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => runPgTrial(ctx, p, "dr-grpo", drGrpoRule),
});
