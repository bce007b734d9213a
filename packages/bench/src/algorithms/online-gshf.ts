import { getOrThrow } from "@gsh/core";
import {
  type SequenceProblem,
  betaSpec,
  finiteGibbsFamily,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  resolveBeta,
} from "@gsh/preference";
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
} from "../plugin";

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

/** Online and hybrid GSHF. */
export const onlineAlgorithms: readonly AlgorithmDefinition[] = [
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
