import { type Policy, getOrThrow } from "@gsh/core";
import {
  DEFAULT_SYNTHETIC_PAIRS,
  type LossSpec,
  geometricCheckpoints,
  RewardModel,
  iterativeDpo,
  multiStepRejectionSampling,
  offlineDpo,
  pairsFromDataset,
  rso,
  trainingMetrics,
  logLinearLearner,
  neuralLearner,
  sequenceDpo,
  sequenceIterativeDpo,
  sequenceRso,
  sequenceMultiStepRs,
  type SequenceLearner,
} from "@gsh/practical";
import {
  type BackendName,
  NeuralBanditPolicy,
  NeuralSequencePolicy,
  RecurrentSequencePolicy,
  availableBackends,
  loadTf,
} from "@gsh/practical/neural";
import { markovSequencePolicy, referenceLogProb, sequencePairs } from "@gsh/preference";
import {
  type AlgorithmDefinition,
  type AlgorithmOutput,
  type SequenceTrialContext,
  defineAlgorithm,
  z,
} from "../plugin";

const ALL_KINDS = ["bandit", "non-transitive", "sequence"] as const;
/** On sequences the policy class is the log-linear Gibbs-family policy (a tabular one over Vᴸ responses is not). */
const sequenceLearner = (ctx: SequenceTrialContext, policy: string, loss: LossSpec, l2 = 1) => {
  if (policy !== "log-linear") throw new Error(`policy '${policy}' is not available on sequences: use log-linear`);
  return logLinearLearner(ctx.problem, { loss, l2 });
};

const lossKind = z.enum(["dpo", "cdpo", "ipo", "hinge-norm", "hinge", "sigmoid-norm"]).default("dpo");
const lossOf = (kind: z.output<typeof lossKind>): LossSpec => [{ loss: { kind }, weight: 1 }];
const policyClass = z.enum(["log-linear", "tabular"]).default("log-linear");
/** Iterative DPO's rounds, responses per prompt and pair rule (shared by its log-linear and neural entries). */
const iterativeParams = {
  rounds: z.number().int().positive().default(3),
  responses: z.number().int().min(2).default(8),
  pairRule: z.enum(["random", "max-random", "max-min"]).default("max-min"),
};
/** A TF.js policy's size and Adam settings, and an optional backend preference. */
const neuralParams = {
  width: z.number().int().positive().default(64),
  layers: z.number().int().positive().default(2),
  learningRate: z.number().positive().default(0.01),
  batchSize: z.number().int().positive().default(256),
  backend: z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).optional(),
  /** Run on the fastest available backend when `backend` is not available here (default false: refuse the suite). */
  backendFallback: z.boolean().default(false),
};

/**
 * A requested TF.js backend that is not available here is refused when the suite loads (the error names the
 * available ones), unless the entry allows the fallback explicitly: a suite must not silently run on another backend.
 */
function requireBackend(p: { backend?: BackendName; backendFallback: boolean }, ctx: z.RefinementCtx): void {
  if (!p.backend || p.backendFallback) return;
  const available = availableBackends();
  if (!available.includes(p.backend))
    ctx.addIssue({
      code: "custom",
      path: ["backend"],
      message: `TF.js backend '${p.backend}' is not available here (available: ${available.join(", ")}); choose one of those or set backendFallback: true`,
    });
}

/** Iterative DPO on a sequence environment with a given learner; `extra` diagnostics are read after training. */
function runSequenceIterativeDpo(
  ctx: SequenceTrialContext,
  learner: SequenceLearner,
  batchSize: number,
  p: { rounds: number; responses: number; pairRule: "random" | "max-random" | "max-min" },
  extra: Record<string, string | (() => number | null)>,
): AlgorithmOutput {
  const r = getOrThrow(
    sequenceIterativeDpo(learner, ctx.problem, ctx.oracle, ctx.rng, {
      rounds: p.rounds,
      batchSize,
      responses: p.responses,
      pairRule: p.pairRule,
    }),
  );
  const diagnostics: Record<string, string | number | null> = { tiedPrompts: r.tiedPrompts };
  for (const [k, v] of Object.entries(extra)) diagnostics[k] = typeof v === "function" ? v() : v;
  return {
    policy: r.policy,
    trace: r.rounds.map((x) => ({ queries: x.queries, policy: x.policy })),
    costs: { candidatesSampled: r.candidatesSampled, gradientSteps: r.gradientSteps },
    diagnostics,
  };
}

/** A per-step loss array (step i + 1 at index i) at the geometric checkpoints 1, 2, 3, 4, 6, 8, 11, …, and the last step. */
function lossCurve(losses: readonly number[]): { step: number; loss: number }[] {
  return losses.flatMap((loss, i) =>
    Number.isFinite(loss) && (geometricCheckpoints(i + 1) || i === losses.length - 1) ? [{ step: i + 1, loss }] : [],
  );
}

/** The practical track's algorithms; defaults are the issue's, fixed in advance (see @gsh/practical's README). */
export const practicalAlgorithms: readonly AlgorithmDefinition[] = [
  defineAlgorithm({
    name: "dpo",
    track: "practical",
    description: "offline DPO (or cDPO, IPO, hinge, sigmoid-norm) on `budget` π0 pairs, reference π0",
    params: z
      .object({
        loss: lossKind,
        policy: policyClass,
        l2: z.number().min(0).default(1),
        /** Absent: the loss's default (L-BFGS for smooth losses, Adam for hinge losses). */
        optimizer: z.enum(["lbfgs", "adam"]).optional(),
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      if (ctx.kind === "sequence") {
        const r = sequenceDpo(
          sequenceLearner(ctx, p.policy, lossOf(p.loss), p.l2),
          ctx.problem,
          ctx.offlineData(ctx.budget),
        );
        return { policy: r.policy, costs: { gradientSteps: r.gradientSteps } };
      }
      const data = ctx.offlineData(ctx.budget);
      // The training path at steps 0, 1, 2, 3, 4, 6, 8, … for the over-optimisation diagnostic (scored only when a
      // suite asks; recording costs one softmax table per checkpoint).
      const trainingPath: { step: number; policy: Policy }[] = [];
      const trainingLoss: { step: number; loss: number }[] = [];
      const r = getOrThrow(
        offlineDpo(ctx.problem, data, {
          loss: lossOf(p.loss),
          policyClass: p.policy,
          l2: p.l2,
          ...(p.optimizer ? { optimizer: p.optimizer } : {}),
          onCheckpoint: {
            checkpoint: geometricCheckpoints,
            record: (step, policy, loss) => {
              trainingPath.push({ step, policy: policy.distribution() });
              // per pair, as the neural policies' minibatch means are (the objective sums over pairs)
              if (step > 0) trainingLoss.push({ step, loss: loss / data.size });
            },
          },
        }),
      );
      return {
        policy: r.policy.distribution(),
        trainingPath,
        trainingLoss,
        // log-linear: π_w ∝ π0·exp(<w, φ>/η), saved as its reward w
        ...(r.policy.kind === "log-linear"
          ? { policyParameters: { theta: r.policy.getParameters(), lambda: p.l2, eta: ctx.problem.eta } }
          : {}),
        costs: { gradientSteps: r.train.steps },
        diagnostics: { ...r.train.metrics, degeneratePairs: r.train.degeneratePairs },
      };
    },
  }),
  defineAlgorithm({
    name: "neural-dpo",
    track: "practical",
    description:
      "offline DPO on `budget` π0 pairs with the TF.js MLP policy (Adam; the backend is recorded in the row)",
    params: z
      .object({
        ...neuralParams,
        steps: z.number().int().positive().default(300),
        /** Sequences only: the Markov MLP (exact by the DP) or the full-prefix recurrent policy (Monte Carlo). */
        architecture: z.enum(["markov", "recurrent"]).default("markov"),
      })
      .strict()
      .superRefine(requireBackend),
    supports: ALL_KINDS,
    async run(ctx, p) {
      const { tf, backend } = await loadTf({ prefer: p.backend });
      if (ctx.kind === "sequence") {
        const off = ctx.offlineData(ctx.budget);
        const options = { eta: ctx.problem.eta, steps: p.steps, learningRate: p.learningRate, batchSize: p.batchSize };
        const pairs = sequencePairs(off, ctx.problem.length);
        const logPi0 = (x: number, y: Int32Array) => referenceLogProb(ctx.problem, x, y);
        if (p.architecture === "markov") {
          const model = new NeuralSequencePolicy(tf, ctx.problem, ctx.rng.split("init"), {
            width: p.width,
            layers: p.layers,
          });
          try {
            const losses = model.trainDpo(pairs, logPi0, ctx.rng.split("minibatches"), options);
            return {
              policy: markovSequencePolicy(model.markovTables()),
              trainingLoss: lossCurve(losses),
              costs: { gradientSteps: p.steps },
              diagnostics: { backend, finalLoss: losses[losses.length - 1] ?? null },
            };
          } finally {
            model.dispose();
          }
        }
        const model = new RecurrentSequencePolicy(tf, ctx.problem, ctx.rng.split("init"), { hidden: p.width });
        const losses = model.trainDpo(pairs, logPi0, ctx.rng.split("minibatches"), options);
        // A full-prefix policy is not Markov: the runner scores it by Monte Carlo from this sampler, then disposes it.
        return {
          policy: {
            kind: "sampler",
            prompts: ctx.problem.prompts,
            sample(x: number, n: number, rng) {
              const s = model.sample(
                Array.from({ length: n }, () => x),
                rng,
              );
              const responses = new Int32Array(n * ctx.problem.length);
              s.ys.forEach((y, i) => responses.set(y, i * ctx.problem.length));
              return { responses, logProbs: s.logProbs };
            },
          },
          trainingLoss: lossCurve(losses),
          costs: { gradientSteps: p.steps },
          diagnostics: { backend, finalLoss: losses[losses.length - 1] ?? null },
          dispose: () => model.dispose(),
        };
      }
      const pairs = pairsFromDataset(ctx.offlineData(ctx.budget));
      const model = new NeuralBanditPolicy(tf, ctx.problem, ctx.rng.split("init"), {
        width: p.width,
        layers: p.layers,
      });
      try {
        const losses = model.trainDpo(pairs, ctx.rng.split("minibatches"), {
          eta: ctx.problem.eta,
          steps: p.steps,
          learningRate: p.learningRate,
          batchSize: p.batchSize,
        });
        const metrics = trainingMetrics(model, pairs, ctx.problem.eta);
        return {
          policy: model.distribution(),
          trainingLoss: lossCurve(losses),
          costs: { gradientSteps: p.steps },
          diagnostics: { backend, finalLoss: losses[losses.length - 1] ?? null, ...metrics },
        };
      } finally {
        model.dispose();
      }
    },
  }),
  defineAlgorithm({
    name: "iterative-dpo",
    track: "practical",
    description:
      "iterative DPO: T rounds, n responses per prompt from the current policy, best-vs-worst under the BT estimate, oracle labels, reference π0",
    params: z
      .object({
        ...iterativeParams,
        reference: z.enum(["fixed", "moving"]).default("fixed"),
        loss: lossKind,
        policy: policyClass,
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      const m = Math.floor(ctx.budget / p.rounds);
      if (m < 1) throw new Error(`budget ${ctx.budget} is smaller than rounds ${p.rounds}`);
      if (ctx.kind === "sequence") {
        if (p.reference !== "fixed") throw new Error("on sequences the reference is fixed to π0");
        return runSequenceIterativeDpo(ctx, sequenceLearner(ctx, p.policy, lossOf(p.loss)), m, p, {});
      }
      const r = getOrThrow(
        iterativeDpo(ctx.problem, ctx.oracle, ctx.rng, {
          rounds: p.rounds,
          batchSize: m,
          responses: p.responses,
          pairRule: p.pairRule,
          reference: p.reference,
          loss: lossOf(p.loss),
          policyClass: p.policy,
        }),
      );
      return {
        policy: r.policy.distribution(),
        trace: r.rounds.map((x) => ({ queries: x.queries, policy: x.policy })),
        costs: {
          candidatesSampled: r.candidatesSampled,
          rewardModelCalls: r.rewardModelCalls,
          gradientSteps: r.gradientSteps,
        },
        diagnostics: { tiedPrompts: r.rounds.reduce((s, x) => s + x.tiedPrompts, 0) },
      };
    },
  }),
  defineAlgorithm({
    name: "rso",
    track: "practical",
    description:
      "RSO: BT reward model on `budget` π0 pairs, statistical rejection sampling (N candidates from π0, k accepted) until `syntheticPairs` pairs (default 16384), reward-model labels, DPO fit",
    params: z
      .object({
        syntheticPairs: z.number().int().positive().default(DEFAULT_SYNTHETIC_PAIRS),
        candidates: z.number().int().min(2).default(64),
        accepted: z.number().int().min(2).default(8),
        loss: lossKind,
        policy: policyClass,
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p): AlgorithmOutput {
      if (ctx.kind === "sequence") {
        const r = getOrThrow(
          sequenceRso(
            sequenceLearner(ctx, p.policy, lossOf(p.loss)),
            ctx.problem,
            ctx.offlineData(ctx.budget),
            ctx.rng,
            {
              syntheticPairs: p.syntheticPairs,
              candidates: p.candidates,
              accepted: p.accepted,
            },
          ),
        );
        return {
          policy: r.policy,
          costs: {
            candidatesSampled: r.candidatesSampled,
            rewardModelCalls: r.rewardModelCalls,
            gradientSteps: r.gradientSteps,
          },
          diagnostics: { pairs: r.pairs },
        };
      }
      const rm = RewardModel.fit(ctx.problem, ctx.offlineData(ctx.budget));
      const r = getOrThrow(
        rso(ctx.problem, rm, ctx.rng, {
          syntheticPairs: p.syntheticPairs,
          candidates: p.candidates,
          accepted: p.accepted,
          loss: lossOf(p.loss),
          policyClass: p.policy,
        }),
      );
      return {
        policy: r.policy.distribution(),
        costs: { ...r.costs, gradientSteps: r.train.steps },
        diagnostics: { pairs: r.pairs.size, degeneratePairs: r.pairs.degenerate },
      };
    },
  }),
  defineAlgorithm({
    name: "multi-step-rs",
    track: "practical",
    description:
      "multi-step rejection sampling: BT reward model on `budget` π0 pairs, K annealed steps (10η, √10η, η) from fitted proposals, DPO fit per step",
    params: z
      .object({
        syntheticPairs: z.number().int().positive().default(DEFAULT_SYNTHETIC_PAIRS),
        candidates: z.number().int().min(2).default(64),
        accepted: z.number().int().min(2).default(8),
        proposal: z.enum(["fitted", "exact"]).default("fitted"),
        policy: policyClass,
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      if (ctx.kind === "sequence") {
        if (p.policy !== "log-linear")
          throw new Error(`policy '${p.policy}' is not available on sequences: use log-linear`);
        const r = getOrThrow(
          sequenceMultiStepRs(ctx.problem, ctx.offlineData(ctx.budget), ctx.rng, {
            syntheticPairs: p.syntheticPairs,
            candidates: p.candidates,
            accepted: p.accepted,
            proposal: p.proposal,
          }),
        );
        return {
          policy: r.policy,
          costs: {
            candidatesSampled: r.candidatesSampled,
            rewardModelCalls: r.rewardModelCalls,
            gradientSteps: r.gradientSteps,
          },
        };
      }
      const rm = RewardModel.fit(ctx.problem, ctx.offlineData(ctx.budget));
      const r = getOrThrow(
        multiStepRejectionSampling(ctx.problem, rm, ctx.rng, {
          syntheticPairs: p.syntheticPairs,
          candidates: p.candidates,
          accepted: p.accepted,
          proposal: p.proposal,
          policyClass: p.policy,
        }),
      );
      return {
        policy: r.policy.distribution(),
        costs: { ...r.costs, gradientSteps: r.steps.reduce((s, x) => s + x.gradientSteps, 0) },
      };
    },
  }),
  defineAlgorithm({
    name: "neural-iterative-dpo",
    track: "practical",
    supports: ["sequence"],
    description:
      "iterative DPO on sequences with the TF.js Markov MLP policy (starts at π0): T rounds, n responses per prompt, best-vs-worst under the BT estimate, oracle labels, Adam steps per round; scored exactly by the DP",
    params: z
      .object({
        ...iterativeParams,
        ...neuralParams,
        stepsPerRound: z.number().int().positive().default(100),
      })
      .strict()
      .superRefine(requireBackend),
    async run(ctx, p) {
      const m = Math.floor(ctx.budget / p.rounds);
      if (m < 1) throw new Error(`budget ${ctx.budget} is smaller than rounds ${p.rounds}`);
      const { tf, backend } = await loadTf({ prefer: p.backend });
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
        return runSequenceIterativeDpo(ctx, learner, m, p, {
          backend,
          finalLoss: () => learner.losses[learner.losses.length - 1] ?? null,
        });
      } finally {
        model.dispose();
      }
    },
  }),
] as AlgorithmDefinition[];
