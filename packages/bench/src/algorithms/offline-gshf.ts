import { type Policy, getOrThrow } from "@gsh/core";
import { type FactoredGibbsPolicy, betaSpec, resolveBeta } from "@gsh/preference";
import { offlineGshf, offlineGshfSequence, pessimismBound, sequencePessimismBound } from "@gsh/offline";
import { type AlgorithmDefinition, defineAlgorithm, z } from "../plugin";

const behaviour = z.enum(["reference", "skewed", "uniform"]).default("reference");
const ALL_KINDS = ["bandit", "non-transitive", "sequence"] as const;

/** Offline GSHF. */
export const offlineAlgorithms: readonly AlgorithmDefinition[] = [
  defineAlgorithm({
    name: "offline-gshf",
    track: "theory",
    description:
      "offline GSHF: BT MLE on `budget` offline pairs, then Option I/II pessimism with width β (β = 0: MLE-Gibbs, the idealization of DPO/RSO)",
    params: z
      .object({
        beta: betaSpec.default(0),
        option: z.enum(["I", "II"]).default("II"),
        lambda: z.number().positive().default(1),
        behaviour,
        referenceVector: z.enum(["per-context", "global"]).default("per-context"),
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      if (ctx.kind === "sequence") {
        if (p.behaviour !== "reference")
          throw new Error("sequence environments have π0 offline data only (behaviour: reference)");
        const off = ctx.offlineData(ctx.budget);
        const r = getOrThrow(
          offlineGshfSequence(ctx.problem, off.data, {
            beta: resolveBeta(p.beta, ctx.problem, p.lambda),
            option: p.option,
            lambda: p.lambda,
          }),
        );
        return {
          policy: r.policy,
          confidence: { theta: r.mle.theta, covariance: r.covariance.matrix, beta: r.beta, lambda: p.lambda },
          bound: (comparator) => sequencePessimismBound(ctx.problem, r, comparator as FactoredGibbsPolicy),
          diagnostics: { mleIterations: r.mle.iterations, dualityGap: r.dualityGap },
        };
      }
      const data = ctx.offlineData(ctx.budget, p.behaviour);
      const r = getOrThrow(
        offlineGshf(ctx.problem, data, {
          beta: resolveBeta(p.beta, ctx.problem, p.lambda),
          option: p.option,
          lambda: p.lambda,
          referenceVector: p.referenceVector,
        }),
      );
      return {
        policy: r.policy,
        confidence: { theta: r.mle.theta, covariance: r.covariance.matrix, beta: r.beta, lambda: p.lambda },
        // β = 0 is the MLE-Gibbs policy: the Gibbs policy of θ̂ itself
        ...(r.beta === 0 ? { policyParameters: { theta: r.mle.theta, lambda: p.lambda, eta: ctx.problem.eta } } : {}),
        bound: (comparator) => pessimismBound(ctx.problem, r, comparator as Policy),
        diagnostics: { mleIterations: r.mle.iterations, dualityGap: r.dual?.dualityGap ?? null },
      };
    },
  }),
] as AlgorithmDefinition[];
