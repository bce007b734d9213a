import { type FeatureMap, type Policy, getOrThrow } from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type SequenceProblem,
  confidenceWidth,
  finiteGibbsFamily,
  logisticCurvature,
  maxRewardGap,
  gibbsSequencePolicy,
  linearSequenceGibbs,
} from "@gsh/preference";
import { offlineGshf, offlineGshfSequence, pessimismBound, sequencePessimismBound } from "@gsh/offline";
import {
  hybridGshf,
  onlineGshf,
  onlineGshfSequence,
  type OnlineGshfResult,
  type SequenceOnlineOptions,
  type SequenceOnlineResult,
} from "@gsh/online";
import {
  type AlgorithmDefinition,
  type AlgorithmOutput,
  type SequenceTrialContext,
  defineAlgorithm,
  z,
} from "./plugin";

const behaviour = z.enum(["reference", "skewed", "uniform"]).default("reference");
/** β as a number, or "sqrt-d" for √d (the testbeds spec's fixed-in-advance choice for the enhancer). */
/**
 * β as a raw number, "sqrt-d" (√d), or from the theory: { delta, c } gives β(δ) = c·√((d + log 1/δ)/γ² + λB²) by
 * the confidence module's `confidenceWidth` (γ from the largest reward gap B·max‖φ(x,a) − φ(x,a')‖; on sequences,
 * where ψ lies in the unit ball, 2B). c is explicit because the theorem leaves it unspecified.
 */
const betaSpec = z.union([
  z.number().min(0),
  z.literal("sqrt-d"),
  z.object({ delta: z.number().gt(0).lt(1), c: z.number().positive() }).strict(),
]);
type BetaSpec = z.output<typeof betaSpec>;

function resolveBeta(
  b: BetaSpec,
  problem: { readonly dim: number; readonly normBound: number; readonly features?: FeatureMap },
  lambda: number,
): number {
  if (typeof b === "number") return b;
  if (b === "sqrt-d") return Math.sqrt(problem.dim);
  const zMax = problem.features ? maxRewardGap(problem.features, problem.normBound).value : 2 * problem.normBound;
  return getOrThrow(
    confidenceWidth({
      dim: problem.dim,
      delta: b.delta,
      gamma: logisticCurvature(zMax),
      lambda,
      normBound: problem.normBound,
      constant: b.c,
    }),
  );
}

function onlineOutput(r: OnlineGshfResult, family: ReturnType<typeof finiteGibbsFamily>): AlgorithmOutput {
  const gammas = r.trace.map((t) => t.gamma).filter((g): g is number => g !== null);
  return {
    policy: r.policy,
    trace: r.trace.map((t) => ({ queries: t.queries, policy: family.policyOf(t.theta) })),
    diagnostics: {
      finalGamma: gammas.length ? gammas[gammas.length - 1] : null,
      degeneratePairs: r.trace.reduce((s, t) => s + t.degeneratePairs, 0),
    },
  };
}

function sequenceOnlineOutput(r: SequenceOnlineResult, problem: SequenceProblem): AlgorithmOutput {
  const gammas = r.trace.map((t) => t.gamma).filter((g): g is number => g !== null);
  return {
    policy: gibbsSequencePolicy(r.policy),
    trace: r.trace.map((t) => ({
      queries: t.queries,
      policy: gibbsSequencePolicy(linearSequenceGibbs(problem, t.theta)),
    })),
    diagnostics: {
      finalGamma: gammas.length ? gammas[gammas.length - 1] : null,
      degeneratePairs: r.trace.reduce((s, t) => s + t.degeneratePairs, 0),
    },
  };
}

const ALL_KINDS = ["bandit", "non-transitive", "sequence"] as const;

const onlineParams = {
  iterations: z.number().int().positive().default(10),
  beta: betaSpec.default("sqrt-d"),
  lambda: z.number().positive().default(1),
  bestOfN: z.number().int().min(2).default(8),
  output: z.enum(["last", "min-uncertainty"]).default("last"),
  randomDirections: z.number().int().min(0).optional(),
  cMax: z.number().positive().default(100),
};

/** Online or hybrid GSHF on a sequence environment, with the shared online parameters. */
function runSequenceOnline(
  ctx: SequenceTrialContext,
  p: z.output<z.ZodObject<typeof onlineParams>>,
  batchSize: number,
  extra: Partial<Pick<SequenceOnlineOptions, "exploration" | "bestOfN" | "offlineData">>,
): AlgorithmOutput {
  const r = getOrThrow(
    onlineGshfSequence(ctx.problem, ctx.oracle, ctx.rng, {
      iterations: p.iterations,
      batchSize,
      beta: resolveBeta(p.beta, ctx.problem, p.lambda),
      lambda: p.lambda,
      enhancer: { randomDirections: p.randomDirections, cMax: p.cMax },
      ...extra,
    }),
  );
  return sequenceOnlineOutput(r, ctx.problem);
}

/** The theory track's algorithms. */
export const theoryAlgorithms: readonly AlgorithmDefinition[] = [
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
  defineAlgorithm({
    name: "online-gshf",
    track: "online",
    description:
      "online iterative GSHF: T rounds of budget/T queries; main agent = MLE-Gibbs; pairs from an exploration rule (default the enhancer)",
    params: z
      .object({
        ...onlineParams,
        exploration: z
          .enum([
            "enhancer",
            "on-policy",
            "reference",
            "uniform",
            "best-vs-worst",
            "posterior-laplace",
            "posterior-bootstrap",
            "xpo",
            "vpo",
            "active-learning",
          ])
          .default("enhancer"),
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      const m = Math.floor(ctx.budget / p.iterations);
      if (m < 1) throw new Error(`budget ${ctx.budget} is smaller than iterations ${p.iterations}`);
      if (ctx.kind === "sequence") {
        if (p.output !== "last")
          throw new Error("on sequences the output rule is 'last' (the MLE-Gibbs policy on all data)");
        return runSequenceOnline(ctx, p, m, { exploration: p.exploration, bestOfN: p.bestOfN });
      }
      const r = getOrThrow(
        onlineGshf(ctx.problem, ctx.oracle, ctx.rng, {
          iterations: p.iterations,
          batchSize: m,
          beta: resolveBeta(p.beta, ctx.problem, p.lambda),
          lambda: p.lambda,
          exploration: p.exploration,
          bestOfN: p.bestOfN,
          output: p.output,
          enhancer: { randomDirections: p.randomDirections, cMax: p.cMax },
        }),
      );
      return onlineOutput(r, finiteGibbsFamily(ctx.problem));
    },
  }),
  defineAlgorithm({
    name: "hybrid-gshf",
    track: "online",
    description:
      "hybrid GSHF: a fraction of the budget as offline π0 pairs kept in every round, the rest online with (π_t, π0) pairs or the enhancer",
    params: z
      .object({
        ...onlineParams,
        offlineFraction: z.number().min(0).max(1).default(0.5),
        exploration: z.enum(["reference", "enhancer"]).default("reference"),
      })
      .strict(),
    supports: ALL_KINDS,
    run(ctx, p) {
      const nOff = Math.floor(ctx.budget * p.offlineFraction);
      const m = Math.floor((ctx.budget - nOff) / p.iterations);
      if (m < 1) throw new Error(`online budget ${ctx.budget - nOff} is smaller than iterations ${p.iterations}`);
      if (ctx.kind === "sequence") {
        return runSequenceOnline(ctx, p, m, { exploration: p.exploration, offlineData: ctx.offlineData(nOff).data });
      }
      const data = ctx.offlineData(nOff);
      const r = getOrThrow(
        hybridGshf(ctx.problem, data, ctx.oracle, ctx.rng, {
          iterations: p.iterations,
          batchSize: m,
          beta: resolveBeta(p.beta, ctx.problem, p.lambda),
          lambda: p.lambda,
          exploration: p.exploration,
          output: p.output,
          enhancer: { randomDirections: p.randomDirections, cMax: p.cMax },
        }),
      );
      return onlineOutput(r, finiteGibbsFamily(ctx.problem));
    },
  }),
] as AlgorithmDefinition[];
