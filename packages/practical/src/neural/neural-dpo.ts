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
import { ALL_KINDS, neuralParams, neuralTraining, refineRegime } from "../params";
import { neuralLearner } from "../sequence/sequence-learner";
import type { LearnerTrial } from "../trial-learner";
import type { FitResult, Learner, PairSet } from "../learner";
import type { DisplacementPoint, NeuralRuns, NeuralTrainingRun } from "../sequence/neural-types";
import { geometricCheckpoints } from "../train";
import type { BackendName } from "./backend-types";
import { NeuralBanditPolicy } from "./mlp-policy";
import { RecurrentSequencePolicy } from "./recurrent-policy";
import { TransformerSequencePolicy } from "./transformer-policy";

/** A full-prefix (non-Markov) sequence policy: sampled exactly, scored by Monte Carlo. */
type FullPrefixPolicy = RecurrentSequencePolicy | TransformerSequencePolicy;
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

/**
 * What a neural algorithm reports of its training runs, one after another on one step axis (iterative DPO's rounds
 * each train anew from the previous round's parameters): the training-loss curve, the held-out curve, the likelihood
 * displacement, the steps taken, and diagnostics (epochs run, the restored step, whether early stopping fired).
 */
export function trainingOutput(runs: readonly NeuralTrainingRun[]): Pick<
  AlgorithmOutput,
  "trainingLoss" | "heldOutLoss" | "likelihoodDisplacement"
> & {
  costs: { gradientSteps: number };
  diagnostics: Record<string, number | boolean | null>;
} {
  const losses: number[] = [];
  const heldOutLoss: { step: number; loss: number }[] = [];
  const likelihoodDisplacement: DisplacementPoint[] = [];
  let bestStep: number | null = null;
  for (const run of runs) {
    const offset = losses.length;
    losses.push(...run.trainLoss);
    for (const h of run.heldOut) if (!(offset && h.step === 0)) heldOutLoss.push({ ...h, step: h.step + offset });
    for (const d of run.displacement)
      if (!(offset && d.step === 0)) likelihoodDisplacement.push({ ...d, step: d.step + offset });
    bestStep = run.bestStep === null ? null : run.bestStep + offset;
  }
  const last = runs[runs.length - 1];
  return {
    trainingLoss: lossCurve(losses),
    ...(heldOutLoss.length ? { heldOutLoss } : {}),
    ...(likelihoodDisplacement.length ? { likelihoodDisplacement } : {}),
    costs: { gradientSteps: losses.length },
    diagnostics: {
      finalLoss: losses[losses.length - 1] ?? null,
      ...(last && Number.isFinite(last.epochs)
        ? {
            epochs: runs.reduce((a, r) => a + r.epochs, 0),
            bestStep,
            stoppedEarly: runs.some((r) => r.stoppedEarly),
          }
        : {}),
    },
  };
}

/** A full-prefix policy as a sampler policy (not Markov: the runner scores it by Monte Carlo). */
function samplerPolicy(model: FullPrefixPolicy, problem: SequenceProblem): SequencePolicy {
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
    /** The fixed-steps regime's step count (default 300). */
    steps: z.number().int().positive().optional(),
    /**
     * Sequences only: the Markov MLP (exact by the DP), or a full-prefix policy scored by Monte Carlo: the recurrent
     * one or the small causal transformer.
     */
    architecture: z.enum(["markov", "recurrent", "transformer"]).default("markov"),
    /** The transformer's attention heads (its width is `width`, its depth `layers`). */
    heads: z.number().int().positive().default(4),
    /** Record the likelihood displacement at every held-out evaluation (epoch regime). */
    displacement: z.boolean().default(true),
  })
  .strict();
type NeuralDpoParams = z.output<typeof neuralDpoParams>;

/** A body written once for every environment kind, given a neural learner (which keeps its training runs). */
type NeuralBody = <R, D, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, PairSet<R>, Out, F> & NeuralRuns,
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
  const train = { training: neuralTraining(p, p.steps, 300), trackDisplacement: p.displacement };
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
  const model =
    p.architecture === "transformer"
      ? new TransformerSequencePolicy(tf, ctx.problem, init, { width: p.width, layers: p.layers, heads: p.heads })
      : new RecurrentSequencePolicy(tf, ctx.problem, init, { hidden: p.width });
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
      "offline DPO on `budget` π0 pairs with a TF.js policy (MLP on finite environments; Markov MLP, recurrent or transformer on sequences), trained for epochs with AdamW, warm-up and decay, and a held-out tenth for early stopping (the backend is recorded in the row)",
    params: neuralDpoParams.superRefine(requireBackend(backends)).superRefine(refineRegime("steps")),
    supports: ALL_KINDS,
    async run(ctx, p) {
      const { tf, backend } = await backends.loadTf({ prefer: p.backend });
      return withNeuralLearner(ctx, tf, p, (learner, trial) => {
        const r = getOrThrow(dpo(learner, trial.offlineData(ctx.budget)));
        const out = trainingOutput(learner.runs);
        return {
          ...out,
          policy: r.policy,
          diagnostics: { backend, ...out.diagnostics, ...r.train.diagnostics },
        };
      });
    },
  });
}
