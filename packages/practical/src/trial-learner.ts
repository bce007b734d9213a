import type { Policy } from "@gsh/core";
import type { Oracle, SequencePolicy, TrialContext } from "@gsh/preference";
import { banditLearner } from "./finite";
import type { FitResult, Learner, PairSet } from "./learner";
import type { LossSpec } from "./losses";
import { policyUnsupported } from "./params";
import type { PolicyClass } from "./policy-factory";
import { logLinearLearner } from "./sequence/sequence-learner";

/** What a trial hands a learner's algorithm besides the learner: offline data of its kind and the counted oracle. */
export interface LearnerTrial<R, D> {
  offlineData(n: number): D;
  readonly oracle: Oracle<R>;
}

/** A body written once for every environment kind, given the trial's learner. */
export type LearnerBody<T> = <R, D, Out extends Policy | SequencePolicy, F extends FitResult>(
  learner: Learner<R, D, PairSet<R>, Out, F>,
  trial: LearnerTrial<R, D>,
) => T;

/**
 * Runs `body` with the f64 learner of the trial's environment kind: the log-linear or tabular policy on finite
 * environments, the log-linear sequence policy on sequences (a tabular one over Vᴸ responses is refused).
 */
export function withLearner<T>(
  ctx: TrialContext,
  options: {
    readonly policy: PolicyClass;
    readonly loss: LossSpec;
    readonly l2?: number;
    readonly optimizer?: "lbfgs" | "adam";
  },
  body: LearnerBody<T>,
): T {
  if (ctx.kind === "sequence") {
    const reason = policyUnsupported(ctx, options.policy);
    if (reason) throw new Error(reason);
    return body(logLinearLearner(ctx.problem, { loss: options.loss, l2: options.l2 }), {
      offlineData: (n) => ctx.offlineData(n),
      oracle: ctx.oracle,
    });
  }
  const { policy, ...train } = options;
  return body(banditLearner(ctx.problem, { policyClass: policy, ...train }), {
    offlineData: (n) => ctx.offlineData(n),
    oracle: ctx.oracle,
  });
}
