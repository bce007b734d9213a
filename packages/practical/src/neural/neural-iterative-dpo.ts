import { getOrThrow } from "@gsh/core";
import { type AlgorithmDefinition, defineAlgorithm, splitBudget, z } from "@gsh/preference";
import { iterativeDpo, iterativeDpoOutput } from "../iterative-dpo";
import { iterativeParams, neuralParams, neuralTraining, refineRegime } from "../params";
import { neuralLearner } from "../sequence/sequence-learner";
import { type NeuralBackends, requireBackend, trainingOutput } from "./neural-dpo";
import { NeuralSequencePolicy } from "./sequence-policy";

const neuralIterativeDpoParams = z
  .object({
    ...iterativeParams,
    ...neuralParams,
    /** The fixed-steps regime's steps per round (default 100). */
    stepsPerRound: z.number().int().positive().optional(),
    /** Record the likelihood displacement at every held-out evaluation (epoch regime). */
    displacement: z.boolean().default(true),
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
      "iterative DPO on sequences with the TF.js Markov MLP policy (starts at π0): T rounds, n responses per prompt, best-vs-worst under the BT estimate, oracle labels; each round trains on all pairs so far (epochs, AdamW, held-out early stopping) from the previous round's parameters; scored exactly by the DP",
    params: neuralIterativeDpoParams.superRefine(requireBackend(backends)).superRefine(refineRegime("stepsPerRound")),
    async run(ctx, p) {
      const { batchSize, finalBatchSize } = splitBudget(ctx.budget, p.rounds);
      const { tf, backend } = await backends.loadTf({ prefer: p.backend });
      const model = new NeuralSequencePolicy(tf, ctx.problem, ctx.rng.split("init"), {
        width: p.width,
        layers: p.layers,
      });
      try {
        const learner = neuralLearner(ctx.problem, model, ctx.rng.split("minibatches"), {
          training: neuralTraining(p, p.stepsPerRound, 100),
          trackDisplacement: p.displacement,
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
        const training = trainingOutput(learner.runs);
        return {
          ...out,
          trainingLoss: training.trainingLoss,
          heldOutLoss: training.heldOutLoss,
          likelihoodDisplacement: training.likelihoodDisplacement,
          diagnostics: { ...out.diagnostics, backend, ...training.diagnostics },
        };
      } finally {
        model.dispose();
      }
    },
  });
}
