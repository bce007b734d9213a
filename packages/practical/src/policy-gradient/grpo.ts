import { defineAlgorithm, z } from "@gsh/preference";
import { grpoRule } from "./advantages";
import { PG_KINDS, commonParams, klParams, pgUnsupported, samplesPerPrompt } from "./pg-params";
import { runPgTrial } from "./pg-run";

/** GRPO: group-mean baseline with optional per-group std normalisation, sequence- or token-level loss averaging (default k3 in the loss, per token, as DeepSeekMath) */
export const grpoAlgorithm = defineAlgorithm({
  name: "grpo",
  track: "practical",
  description:
    "GRPO: group-mean baseline with optional per-group std normalisation, sequence- or token-level loss averaging (default k3 in the loss, per token, as DeepSeekMath)",
  params: z
    .object({
      ...commonParams,
      samplesPerPrompt: samplesPerPrompt(2, "grpo"),
      ...klParams({ estimator: "k3", placement: "loss", granularity: "token" }),
      /** Divide by the group's reward standard deviation (GRPO's default). */
      std: z.boolean().default(true),
      /** 'sequence': each response's token mean (the paper's 1/|o_i|); 'token': the batch's token mean. */
      averaging: z.enum(["sequence", "token"]).default("sequence"),
    })
    .strict(),
  supports: PG_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => runPgTrial(ctx, p, "grpo", grpoRule(p.std, p.averaging)),
});
