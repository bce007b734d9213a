import type * as tfType from "@tensorflow/tfjs";
import { type Policy, getOrThrow } from "@gsh/core";
import {
  type AlgorithmOutput,
  type AlgorithmDefinition,
  type SequencePolicy,
  type SequenceProblem,
  type TrialContext,
  defineAlgorithm,
  z,
} from "@gsh/preference";
import { dpo } from "../dpo";
import { neuralBanditLearner } from "../finite";
import { ALL_KINDS, neuralParams } from "../params";
import { neuralLearner } from "../sequence/sequence-learner";
import type { LearnerTrial } from "../trial-learner";
import type { FitResult, Learner, PairSet } from "../learner";
import { geometricCheckpoints } from "../train";
import type { BackendName } from "./backend-types";
import { NeuralBanditPolicy } from "./mlp-policy";
import { RecurrentSequencePolicy } from "./recurrent-policy";
import { NeuralSequencePolicy } from "./sequence-policy";

/** The backend choice a neural definition uses: Node's or the browser's (the two variants of this entry point). */
export interface NeuralBackends {
  availableBackends(): BackendName[];
  loadTf(options: { prefer?: BackendName }): Promise<{ tf: typeof tfType; backend: BackendName }>;
}

/**
 * A requested TF.js backend that is not available here is refused when the suite loads (the error names the
 * available ones), unless the entry allows the fallback explicitly: a suite must not silently run on another backend.
 */
export const requireBackend =
  (backends: NeuralBackends) =>
  (p: { backend?: BackendName; backendFallback: boolean }, ctx: z.RefinementCtx): void => {
    if (!p.backend || p.backendFallback) return;
    const available = backends.availableBackends();
    if (!available.includes(p.backend))
      ctx.addIssue({
        code: "custom",
        path: ["backend"],
        message: `TF.js backend '${p.backend}' is not available here (available: ${available.join(", ")}); choose one of those or set backendFallback: true`,
      });
  };

/** A per-step loss array (step i + 1 at index i) at the geometric checkpoints 1, 2, 3, 4, 6, 8, 11, …, and the last step. */
export function lossCurve(losses: readonly number[]): { step: number; loss: number }[] {
  return losses.flatMap((loss, i) =>
    Number.isFinite(loss) && (geometricCheckpoints(i + 1) || i === losses.length - 1) ? [{ step: i + 1, loss }] : [],
  );
}

/** The recurrent policy as a sampler policy (not Markov: the runner scores it by Monte Carlo). */
function samplerPolicy(model: RecurrentSequencePolicy, problem: SequenceProblem): SequencePolicy {
  return {
    kind: "sampler",
    prompts: problem.prompts,
    sample(x: number, n: number, rng) {
      const s = model.sample(
        Array.from({ length: n }, () => x),
        rng,
      );
      const responses = new Int32Array(n * problem.length);
      s.ys.forEach((y, i) => responses.set(y, i * problem.length));
      return { responses, logProbs: s.logProbs };
    },
  };
}

const neuralDpoParams = z
  .object({
    ...neuralParams,
    steps: z.number().int().positive().default(300),
    /** Sequences only: the Markov MLP (exact by the DP) or the full-prefix recurrent policy (Monte Carlo). */
    architecture: z.enum(["markov", "recurrent"]).default("markov"),
  })
  .strict();
type NeuralDpoParams = z.output<typeof neuralDpoParams>;

/** A body written once for every environment kind, given a neural learner (which keeps its per-step losses). */
type NeuralBody = <R, D, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, PairSet<R>, Out, F> & { readonly losses: readonly number[] },
  trial: LearnerTrial<R, D>,
) => AlgorithmOutput;

/**
 * Runs `body` with the trial's neural learner (minibatches from the trial's "minibatches" stream, weights from
 * "init"): the MLP on finite environments; the Markov MLP or the recurrent policy on sequences. Its TF.js variables
 * are freed after the body, or, for the recurrent policy (a sampler the runner still draws from), after scoring.
 */
function withNeuralLearner(
  ctx: TrialContext,
  tf: typeof tfType,
  p: NeuralDpoParams,
  body: NeuralBody,
): AlgorithmOutput {
  const init = ctx.rng.split("init");
  const rng = ctx.rng.split("minibatches");
  const train = { steps: p.steps, learningRate: p.learningRate, batchSize: p.batchSize };
  if (ctx.kind !== "sequence") {
    const model = new NeuralBanditPolicy(tf, ctx.problem, init, { width: p.width, layers: p.layers });
    try {
      return body(neuralBanditLearner(model, rng, train), {
        offlineData: (n) => ctx.offlineData(n),
        oracle: ctx.oracle,
      });
    } finally {
      model.dispose();
    }
  }
  const trial = { offlineData: (n: number) => ctx.offlineData(n), oracle: ctx.oracle };
  if (p.architecture === "markov") {
    const model = new NeuralSequencePolicy(tf, ctx.problem, init, { width: p.width, layers: p.layers });
    try {
      return body(neuralLearner(ctx.problem, model, rng, { ...train, sharedStream: true }), trial);
    } finally {
      model.dispose();
    }
  }
  const model = new RecurrentSequencePolicy(tf, ctx.problem, init, { hidden: p.width });
  const current = () => samplerPolicy(model, ctx.problem);
  return {
    ...body(neuralLearner(ctx.problem, model, rng, { ...train, sharedStream: true, current }), trial),
    dispose: () => model.dispose(),
  };
}

/** The `neural-dpo` algorithm with a backend choice (Node's or the browser's). */
export function neuralDpoDefinition(backends: NeuralBackends): AlgorithmDefinition<NeuralDpoParams> {
  return defineAlgorithm({
    name: "neural-dpo",
    track: "practical",
    description:
      "offline DPO on `budget` π0 pairs with the TF.js MLP policy (Adam; the backend is recorded in the row)",
    params: neuralDpoParams.superRefine(requireBackend(backends)),
    supports: ALL_KINDS,
    async run(ctx, p) {
      const { tf, backend } = await backends.loadTf({ prefer: p.backend });
      return withNeuralLearner(ctx, tf, p, (learner, trial) => {
        const r = getOrThrow(dpo(learner, trial.offlineData(ctx.budget)));
        const losses = learner.losses;
        return {
          policy: r.policy,
          trainingLoss: lossCurve(losses),
          costs: { gradientSteps: p.steps },
          diagnostics: { backend, finalLoss: losses[losses.length - 1] ?? null, ...r.train.diagnostics },
        };
      });
    },
  });
}
