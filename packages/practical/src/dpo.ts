import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import type { BanditProblem, PreferenceDataset } from "@gsh/preference";
import { DPO, type LossSpec } from "./losses";
import { pairsFromDataset } from "./pairs-data";
import { type PolicyClass, createTrainablePolicy } from "./policy-factory";
import type { TrainablePolicy } from "./policies";
import { type TrainOptions, type TrainResult, trainPolicy } from "./train";

export interface OfflineDpoOptions extends Partial<TrainOptions> {
  readonly policyClass?: PolicyClass;
}

/**
 * Offline DPO (or any loss of the family) on a fixed preference dataset, reference π0. On the log-linear policy with
 * the DPO loss and ridge λ, its optimum is the BT MLE of the same data (w = θ̂), i.e. offline GSHF with β = 0.
 *
 * @example
 * const { policy } = offlineDpoOrThrow(problem, data, { loss: DPO, policyClass: "log-linear" });
 */
export function offlineDpo(
  problem: BanditProblem,
  data: PreferenceDataset,
  options: OfflineDpoOptions = {},
): E.Either<GshError, { policy: TrainablePolicy; train: TrainResult }> {
  const policy = createTrainablePolicy(options.policyClass ?? "log-linear", problem);
  const loss: LossSpec = options.loss ?? DPO;
  const r = trainPolicy(policy, pairsFromDataset(data), { ...options, loss });
  return E.isLeft(r) ? r : E.right({ policy, train: r.right });
}
