import { type Policy, Rng } from "@gsh/core";
import {
  type AlgorithmOutput,
  type TrialContext,
  defineAlgorithm,
  sequenceFeatureCovariance,
  z,
} from "@gsh/preference";
import { ALL_KINDS } from "../params";
import { DEFAULT_OPTIMIZER } from "../training";
import {
  type AuditFactors,
  UNIT_FACTORS,
  auditFactors,
  cosine,
  covariancePreconditioner,
  finiteExpectedUpdate,
  finiteFeatureCovariance,
  iterateToFixedPoint,
  objectiveConfig,
  type Preconditioner,
  relativeError,
  sequenceExpectedUpdate,
  tabularPreconditioner,
} from "./exact-audit";
import { finitePolicyModel } from "./finite-models";
import { type KlConfig, klLabel, klObjective } from "./kl-penalty";
import { klParams, pgUnsupported } from "./pg-params";
import { runPgTrial } from "./pg-run";
import { grpoRule, reinforcePlusPlusRule, reinforceRule } from "./advantages";
import { policyClass } from "../params";
import { REWARD_SOURCES, orThrow, rewardTable } from "./reward-source";
import { logLinearSequenceModel } from "./sequence-model";
import type { PolicyModel } from "./policy-model";

const LEARNERS = ["reinforce", "rloo", "grpo", "dr-grpo", "reinforce++", "ppo"] as const;

/**
 * The exact gradient audit of one learner × KL configuration, as a suite entry: at the audit point (off the ray from
 * π0 to the class's optimum of J, see `auditPoint`), the expected update beside ∇J (cosine, relative error, which objective it follows); then exact expected updates from π0 to their fixed point,
 * which is the row's policy, so the runner scores its SubOpt exactly. Where the expected update is not a finite sum
 * (GRPO with std normalisation, REINFORCE++, multi-epoch PPO; sequence-level k2 in the reward on sequences), the row
 * is where a sampled run of `estimateSteps` steps with r* ends (`audit/exact` false; seeds give its interval): an
 * estimate of the fixed point only as far as that run has converged.
 */
export const pgAuditAlgorithm = defineAlgorithm({
  name: "pg-audit",
  track: "practical",
  description:
    "exact gradient audit of a policy-gradient learner and KL configuration: expected update vs ∇J at π0, and the exact fixed point of expected updates (its SubOpt is the row's)",
  params: z
    .object({
      learner: z.enum(LEARNERS),
      policy: policyClass,
      reward: z.enum(REWARD_SOURCES).default("gold"),
      rewardL2: z.number().positive().default(1),
      samplesPerPrompt: z.number().int().min(2, "the audit's group size k must be ≥ 2").default(8),
      std: z.boolean().default(false),
      epochs: z.number().int().positive().default(1),
      /** Steps of the sampled run that estimates a fixed point without a finite-sum expectation. */
      estimateSteps: z.number().int().positive().default(2000),
      ...klParams({ estimator: "k1", placement: "reward", granularity: "sequence" }),
    })
    .strict(),
  supports: ALL_KINDS,
  unsupported: pgUnsupported,
  run: (ctx, p) => {
    const kl: KlConfig = {
      coefficient: p.klCoefficient ?? ctx.problem.eta,
      estimator: p.klEstimator,
      granularity: p.klGranularity,
      placement: p.klPlacement,
    };
    const maxLength = ctx.kind === "sequence" ? ctx.problem.length : 1;
    const factors = auditFactors(
      p.learner,
      { samplesPerPrompt: p.samplesPerPrompt, std: p.std, epochs: p.epochs },
      maxLength,
    );
    const labels = {
      "audit/learner": p.learner,
      "audit/kl": klLabel(kl),
      "audit/objective": klObjective(kl, ctx.kind === "sequence"),
    };
    const exact = factors ? exactAudit(ctx, p, kl, factors) : null;
    if (exact) return { ...exact, diagnostics: { ...labels, ...exact.diagnostics } };
    // no finite-sum expectation: a long sampled run with r* estimates where the learner settles
    const rule =
      p.learner === "grpo"
        ? grpoRule(p.std, "sequence")
        : p.learner === "reinforce++"
          ? reinforcePlusPlusRule
          : reinforceRule();
    const run = runPgTrial(
      ctx,
      {
        ...DEFAULT_OPTIMIZER,
        policy: p.policy,
        reward: p.reward,
        rewardL2: p.rewardL2,
        samplesPerPrompt: p.samplesPerPrompt,
        promptsPerStep: 20,
        steps: p.estimateSteps,
        klCoefficient: kl.coefficient,
        klEstimator: kl.estimator,
        klGranularity: kl.granularity,
        klPlacement: kl.placement,
      },
      p.learner,
      rule,
      p.learner === "ppo" ? { epochs: p.epochs, clip: 0.2, valueStep: 0.1 } : undefined,
    );
    return { ...run, diagnostics: { ...labels, ...run.diagnostics, "audit/exact": false } };
  },
});

function exactAudit(
  ctx: TrialContext,
  p: { readonly policy: "log-linear" | "tabular"; readonly reward: "gold" | "learned"; readonly rewardL2: number },
  kl: KlConfig,
  factors: AuditFactors,
): AlgorithmOutput | null {
  const reward = orThrow(rewardTable(ctx, p.reward, p.rewardL2));
  const eta = ctx.problem.eta;
  const gradJ = objectiveConfig(eta);
  if (ctx.kind === "sequence") {
    const { problem } = ctx;
    const m = logLinearSequenceModel(problem);
    const update = (c: KlConfig, f: AuditFactors) => sequenceExpectedUpdate(m, problem, reward.table, c, f);
    if (!update(kl, factors)) return null;
    const fisher = () => covariancePreconditioner(sequenceFeatureCovariance(problem, m.rows()), problem.dim, eta);
    const at = auditPoint(m, () => update(gradJ, UNIT_FACTORS)!, fisher, eta);
    const u0 = update(kl, factors)!;
    const g0 = update(gradJ, UNIT_FACTORS)!;
    m.params.fill(0);
    m.refresh();
    const fp = iterateToFixedPoint(m, () => update(kl, factors)!, fisher, {
      eta,
      etaTrain: kl.coefficient,
      rewardFactor: factors.reward,
    });
    const gEnd = update(gradJ, UNIT_FACTORS)!;
    return { policy: m.output(), diagnostics: { ...summary(u0, g0, gEnd, fp), ...at } };
  }
  const { problem } = ctx;
  const m = finitePolicyModel(problem, p.policy);
  const update = (c: KlConfig, f: AuditFactors) => finiteExpectedUpdate(m, problem, reward.table, c, f);
  const precondition = () =>
    p.policy === "tabular"
      ? tabularPreconditioner(problem, m.output() as Policy)
      : covariancePreconditioner(finiteFeatureCovariance(problem, m.output() as Policy), problem.dim, eta);
  const at = auditPoint(m, () => update(gradJ, UNIT_FACTORS), precondition, eta);
  const u0 = update(kl, factors);
  const g0 = update(gradJ, UNIT_FACTORS);
  m.params.fill(0);
  m.refresh();
  const fp = iterateToFixedPoint(m, () => update(kl, factors), precondition, {
    eta,
    etaTrain: kl.coefficient,
    rewardFactor: factors.reward,
  });
  const gEnd = update(gradJ, UNIT_FACTORS);
  return { policy: m.output(), diagnostics: { ...summary(u0, g0, gEnd, fp), ...at } };
}

/**
 * Moves the model to the audit's point: halfway in parameters from π0 to the optimum of J in the class (the fixed
 * point of exact ∇J steps), plus an offset of half that length in a fixed direction (drawn from a stream that depends on
 * the parameter count only, so every configuration on an environment is audited at the same point). Off the ray from
 * π0 to the optimum, ∇J, ∇E r and every KL term point in different directions (on the ray, for the log-linear class,
 * they are all parallel; at π0 every KL gradient vanishes).
 */
function auditPoint(
  m: PolicyModel<unknown>,
  gradJ: () => Float64Array,
  precondition: () => Preconditioner,
  eta: number,
): Record<string, number | boolean> {
  const fp = iterateToFixedPoint(m, gradJ, precondition, { eta, etaTrain: eta, rewardFactor: 1 });
  const r = Rng.seeded(0).split(`pg-audit/point/${m.size}`);
  const xi = Float64Array.from({ length: m.size }, () => r.normal());
  const norm = (v: Float64Array) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
  const scale = (0.5 * norm(m.params)) / Math.max(norm(xi), 1e-300);
  for (let k = 0; k < m.size; k++) m.params[k] = 0.5 * m.params[k] + scale * xi[k];
  m.refresh();
  return { "audit/optimumInClassConverged": fp.converged };
}

function summary(
  u0: Float64Array,
  g0: Float64Array,
  gEnd: Float64Array,
  fp: { converged: boolean; iterations: number; lastStep: number },
): Record<string, number | boolean> {
  let norm = 0;
  for (const v of gEnd) norm += v * v;
  return {
    "audit/exact": true,
    "audit/cosine": Math.max(-1, Math.min(1, cosine(u0, g0))),
    "audit/relativeError": relativeError(u0, g0),
    "audit/fixedPointConverged": fp.converged,
    "audit/fixedPointIterations": fp.iterations,
    "audit/fixedPointLastStep": fp.lastStep,
    // ‖∇J‖ where the expected update stops: 0 exactly when the fixed point is π*
    "audit/gradJNormAtFixedPoint": Math.sqrt(norm),
  };
}
