import { getOrThrow } from "@gsh/core";
import { type AlgorithmDefinition, defineAlgorithm, splitBudget, z } from "@gsh/preference";
import { iterativeDpo, iterativeDpoOutput } from "../iterative-dpo";
import { iterativeParams, neuralParams } from "../params";
import { neuralLearner } from "../sequence/sequence-learner";
import { type NeuralBackends, requireBackend } from "./neural-dpo";
import { NeuralSequencePolicy } from "./sequence-policy";

const neuralIterativeDpoParams = z
  .object({
    ...iterativeParams,
    ...neuralParams,
    stepsPerRound: z.number().int().positive().default(100),
  })
  .strict();
type NeuralIterativeDpoParams = z.output<typeof neuralIterativeDpoParams>;

/**
 * The `neural-iterative-dpo` algorithm with a backend choice (Node's or the browser's): iterative DPO with the Markov
 * MLP as the learner (each round's fit Adam steps from the "minibatches" stream's "fit/<round>" split).
 */
export function neuralIterativeDpoDefinition(backends: NeuralBackends): AlgorithmDefinition<NeuralIterativeDpoParams> {
  return defineAlgorithm({
    name: "neural-iterative-dpo",
    track: "practical",
    supports: ["sequence"],
    description:
      "iterative DPO on sequences with the TF.js Markov MLP policy (starts at π0): T rounds, n responses per prompt, best-vs-worst under the BT estimate, oracle labels, Adam steps per round; scored exactly by the DP",
    params: neuralIterativeDpoParams.superRefine(requireBackend(backends)),
    async run(ctx, p) {
      const { batchSize, finalBatchSize } = splitBudget(ctx.budget, p.rounds);
      const { tf, backend } = await backends.loadTf({ prefer: p.backend });
      const model = new NeuralSequencePolicy(tf, ctx.problem, ctx.rng.split("init"), {
        width: p.width,
        layers: p.layers,
      });
      try {
        const learner = neuralLearner(ctx.problem, model, ctx.rng.split("minibatches"), {
          steps: p.stepsPerRound,
          learningRate: p.learningRate,
          batchSize: p.batchSize,
        });
        const out = iterativeDpoOutput(
          true,
          getOrThrow(
            iterativeDpo(learner, ctx.oracle, ctx.rng, {
              rounds: p.rounds,
              batchSize,
              finalBatchSize,
              responses: p.responses,
              pairRule: p.pairRule,
            }),
          ),
        );
        const finalLoss = learner.losses[learner.losses.length - 1] ?? null;
        return { ...out, diagnostics: { ...out.diagnostics, backend, finalLoss } };
      } finally {
        model.dispose();
      }
    },
  });
}
