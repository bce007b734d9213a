import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, getOrThrow } from "@gsh/core";
import {
  type BanditProblem,
  type PreferenceDataset,
  type SequenceOfflineData,
  type SequencePolicy,
  type SequenceProblem,
  type TabularSequencePolicy,
  defineAlgorithm,
  z,
} from "@gsh/preference";
import { type BanditLearnerOptions, banditLearner } from "./finite";
import type { FitOptions, FitResult, Learner, PairSet } from "./learner";
import { ALL_KINDS, lossKind, lossOf, policyClass, policyUnsupported } from "./params";
import type { TrainablePolicy } from "./policies";
import type { SequenceLearner } from "./sequence/sequence-learner";
import { type TrainOptions, type TrainResult, geometricCheckpoints } from "./train";
import { withLearner } from "./trial-learner";

/**
 * Offline DPO (or any loss of the family) on a fixed preference dataset, reference π0, for every environment kind:
 * the learner is fitted once to the offline pairs. On the log-linear policy with the DPO loss and ridge λ, its
 * optimum is the BT MLE of the same data (w = θ̂), i.e. offline GSHF with β = 0, on bandits and sequences alike.
 *
 * @example
 * const { policy } = getOrThrow(dpo(banditLearner(problem, { loss: DPO }), data));
 * const { policy: onSequences } = getOrThrow(dpo(logLinearLearner(sequenceProblem), offline));
 */
export function dpo<R, D, S extends PairSet<R>, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, S, Out, F>,
  data: D,
  options: Pick<FitOptions, "onCheckpoint"> = {},
): E.Either<GshError, { policy: Out; pairs: S; train: F }> {
  const pairs = learner.environment.offlinePairs(data);
  const r = learner.fit(pairs, options);
  return E.isLeft(r) ? r : E.right({ policy: learner.current(), pairs, train: r.right });
}

export interface OfflineDpoOptions extends Partial<TrainOptions> {
  readonly policyClass?: BanditLearnerOptions["policyClass"];
}

/** @deprecated use `dpo(banditLearner(problem, options), data)` (one function for every environment kind) */
export function offlineDpo(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: OfflineDpoOptions = {},
): E.Either<GshError, { policy: TrainablePolicy; train: TrainResult }> {
  const learner = banditLearner(problem, options);
  const r = dpo(learner, data);
  return E.isLeft(r) ? r : E.right({ policy: learner.model, train: r.right.train });
}

/** @deprecated use `dpo(learner, offline)` (one function for every environment kind) */
export function sequenceDpo(
  learner: SequenceLearner,
  _problem: SequenceProblem,
  offline: SequenceOfflineData,
): { policy: TabularSequencePolicy; gradientSteps: number } {
  const r = getOrThrow(dpo(learner, offline));
  return { policy: r.policy, gradientSteps: r.train.steps };
}

/** The `dpo` algorithm: offline DPO on `budget` π0 pairs, on every environment kind. */
export const dpoAlgorithm = defineAlgorithm({
  name: "dpo",
  track: "practical",
  description: "offline DPO (or cDPO, IPO, hinge, sigmoid-norm) on `budget` π0 pairs, reference π0",
  params: z
    .object({
      loss: lossKind,
      policy: policyClass,
      l2: z.number().min(0).default(1),
      /** Absent: the loss's default (L-BFGS for smooth losses, Adam for hinge losses). Finite environments only. */
      optimizer: z.enum(["lbfgs", "adam"]).optional(),
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) => policyUnsupported(shape, p.policy),
  run: (ctx, p) =>
    withLearner(ctx, { policy: p.policy, loss: lossOf(p.loss), l2: p.l2, optimizer: p.optimizer }, (learner, trial) => {
      const data = trial.offlineData(ctx.budget);
      const size = learner.environment.offlineRecords(data).size;
      // The training path at steps 0, 1, 2, 3, 4, 6, 8, … for the over-optimisation diagnostic (finite learners;
      // scored only when a suite asks; recording costs one softmax table per checkpoint).
      const trainingPath: { step: number; policy: Policy }[] = [];
      const trainingLoss: { step: number; loss: number }[] = [];
      const r = getOrThrow(
        dpo(learner, data, {
          onCheckpoint: {
            checkpoint: geometricCheckpoints,
            record: (step, policy, loss) => {
              trainingPath.push({ step, policy });
              // per pair, as the neural policies' minibatch means are (the objective sums over pairs)
              if (step > 0) trainingLoss.push({ step, loss: loss / size });
            },
          },
        }),
      );
      // log-linear: π_w ∝ π0·exp(<w, φ>/η), saved as its reward w
      const theta = learner.rewardParameters?.() ?? null;
      const diagnostics = r.train.diagnostics;
      return {
        policy: r.policy,
        ...(trainingPath.length > 0 ? { trainingPath, trainingLoss } : {}),
        ...(theta ? { policyParameters: { theta, lambda: p.l2, eta: ctx.problem.eta } } : {}),
        costs: { gradientSteps: r.train.steps },
        ...(Object.keys(diagnostics).length > 0 ? { diagnostics } : {}),
      };
    }),
});
