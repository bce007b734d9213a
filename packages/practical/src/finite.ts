import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, type Policy, type Rng } from "@gsh/core";
import { type BanditProblem, PreferenceDataset, fitBradleyTerry, selectPair, winnerMinusLoser } from "@gsh/preference";
import type { FitOptions, FitResult, Learner, PracticalEnvironment } from "./learner";
import { DPO } from "./losses";
import { PairBatch, pairsFromDataset } from "./pairs-data";
import { type PolicyClass, createTrainablePolicy } from "./policy-factory";
import { type BanditPolicyModel, type TrainablePolicy, trainingMetrics } from "./policies";
import { RewardModel, tableProposal } from "./reward-model";
import type { NeuralRuns, NeuralTrainOptions, NeuralTrainingRun } from "./sequence/neural-types";
import { type TrainOptions, type TrainResult, trainPolicy, trainingPairs } from "./train";

/** A finite environment (bandit or non-transitive preferences): responses are action indices. */
export type FiniteEnvironment = PracticalEnvironment<number, PreferenceDataset, PairBatch>;

/**
 * The finite-action half of the practical algorithms: prompts from d0 by an alias table, π0's rows, pairs as a
 * `PairBatch` (degenerate pairs refused and counted), the BT reward model on the problem's features.
 */
export function finiteEnvironment(problem: BanditProblem): FiniteEnvironment {
  let contexts: AliasTable | null = null;
  return {
    kind: "finite",
    eta: problem.eta,
    drawPrompt: (rng) => (contexts ??= new AliasTable(problem.contextWeights)).sample(rng),
    reference: tableProposal(problem.reference),
    pairs: () => new PairBatch(),
    offlinePairs: (data) => pairsFromDataset(data),
    offlineRecords: (data) => data,
    records(capacity) {
      const data = new PreferenceDataset(capacity);
      return { data, push: (x, a1, a2, y) => data.push(x, a1, a2, y) };
    },
    fitReward(data, options = {}) {
      if (data.size === 0) return E.right(new RewardModel(problem, new Float64Array(problem.dim)));
      const fit = fitBradleyTerry(winnerMinusLoser(data, problem.features), data.size, problem.dim, {
        lambda: options.lambda ?? 1,
        init: options.init,
      });
      return E.isLeft(fit) ? fit : E.right(new RewardModel(problem, fit.right.theta));
    },
    tiedPair: (scores, rng) => selectPair(scores, "random", rng)!,
  };
}

/** What a finite learner's fit reports: the training result, and its row diagnostics (metrics, refused pairs). */
export type FiniteFitResult = TrainResult & FitResult;

/** The f64 finite learner: a log-linear or tabular `TrainablePolicy` trained by L-BFGS or Adam on the full batch. */
export interface BanditLearner extends Learner<number, PreferenceDataset, PairBatch, Policy, FiniteFitResult> {
  /** The finite environment of the problem. */
  readonly environment: FiniteEnvironment;
  /** The trained policy (its parameters, distribution and objective). */
  readonly model: TrainablePolicy;
}

/** A finite learner's policy class (default log-linear) and its training options (loss, ridge, optimizer, …). */
export interface BanditLearnerOptions extends Partial<Omit<TrainOptions, "reference" | "eta">> {
  /** "log-linear" (default) or "tabular". */
  readonly policyClass?: PolicyClass;
}

/**
 * The log-linear (π_w ∝ π0·exp(<w, φ>/η), contains π*) or tabular policy of a finite problem as a learner: every
 * fit minimizes Σ ℓ + (l2/2)‖params‖² from the current parameters (`trainPolicy`), with the loss, ridge and optimizer
 * given here.
 */
export function banditLearner(problem: BanditProblem, options: BanditLearnerOptions = {}): BanditLearner {
  const model = createTrainablePolicy(options.policyClass ?? "log-linear", problem);
  const environment = finiteEnvironment(problem);
  let previous: Policy | undefined;
  return {
    environment,
    model,
    current: () => model.distribution(),
    proposal: () => tableProposal(model.distribution()),
    fit(pairs: PairBatch, o: FitOptions = {}): E.Either<GshError, FiniteFitResult> {
      const record = o.onCheckpoint;
      const r = trainPolicy(model, o.mergeDuplicates ? trainingPairs(model, pairs) : pairs, {
        ...options,
        loss: options.loss ?? DPO,
        ...(o.eta !== undefined ? { eta: o.eta } : {}),
        reference: o.reference === "moving" ? (previous ?? problem.reference) : undefined,
        ...(record
          ? {
              onCheckpoint: {
                checkpoint: record.checkpoint,
                record: (step: number, policy: TrainablePolicy, loss: number) =>
                  record.record(step, policy.distribution(), loss),
              },
            }
          : {}),
      });
      if (E.isLeft(r)) return r;
      previous = model.distribution();
      return E.right({ ...r.right, diagnostics: { ...r.right.metrics, degeneratePairs: r.right.degeneratePairs } });
    },
    rewardParameters: () => (model.kind === "log-linear" ? model.getParameters() : null),
  };
}

/** A neural finite policy (the TF.js MLP of "@gsh/practical/neural") as far as a learner needs it. */
export interface NeuralBanditModel extends BanditPolicyModel {
  trainDpo(pairs: PairBatch, rng: Rng, options: NeuralTrainOptions): NeuralTrainingRun;
}

/**
 * A neural finite policy as a learner: each fit trains DPO (reference π0) on the pairs under `options.training`,
 * minibatches drawn from `rng` (one stream for every fit); its diagnostics are the training metrics. `runs` holds
 * each fit's record (per-step losses, held-out curve, restored step).
 */
export function neuralBanditLearner(
  model: NeuralBanditModel,
  rng: Rng,
  options: Omit<NeuralTrainOptions, "eta">,
): Learner<number, PreferenceDataset, PairBatch, Policy> & NeuralRuns {
  const { problem } = model;
  const runs: NeuralTrainingRun[] = [];
  return {
    environment: finiteEnvironment(problem),
    runs,
    current: () => model.distribution(),
    proposal: () => tableProposal(model.distribution()),
    fit(pairs, o = {}) {
      const eta = o.eta ?? problem.eta;
      const run = model.trainDpo(pairs, rng, { ...options, eta });
      runs.push(run);
      return E.right({ steps: run.trainLoss.length, diagnostics: { ...trainingMetrics(model, pairs, eta) } });
    },
  };
}
