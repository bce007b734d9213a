import type { BanditProblem } from "@gsh/preference";
import { LogLinearPolicy, TabularPolicy, type TrainablePolicy } from "./policies";

export type PolicyClass = "log-linear" | "tabular";

export function createTrainablePolicy(kind: PolicyClass, problem: BanditProblem): TrainablePolicy {
  return kind === "tabular" ? new TabularPolicy(problem) : new LogLinearPolicy(problem);
}
