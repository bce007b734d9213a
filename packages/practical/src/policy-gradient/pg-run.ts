import type { Policy, Rng } from "@gsh/core";
import { type AlgorithmOutput, type TrialContext, sequenceReward } from "@gsh/preference";
import type { OptimizerSettings } from "../training";
import type { PolicyClass } from "../policy-factory";
import { finiteEnvironment } from "../finite";
import { sequenceEnvironment } from "../sequence/sequence-learner";
import { geometricCheckpoints } from "../train";
import type { AdvantageRule } from "./advantages";
import { finitePolicyModel } from "./finite-models";
import {
  type KlConfig,
  type KlEstimator,
  type KlGranularity,
  type KlPlacement,
  klLabel,
  klObjective,
} from "./kl-penalty";
import type { PolicyModel } from "./policy-model";
import { type RewardSource, mleGibbsGaps, orThrow, rewardTable } from "./reward-source";
import { logLinearSequenceModel } from "./sequence-model";
import { type PgEnvironment, type PpoSettings, type ValueTable, runPolicyGradient } from "./update-loop";

/** What every policy-gradient learner's parameters hold (after the schema's defaults). */
export interface PgRunParams extends OptimizerSettings {
  readonly policy: PolicyClass;
  readonly reward: RewardSource;
  readonly rewardL2: number;
  readonly samplesPerPrompt: number;
  readonly promptsPerStep: number;
  readonly steps: number;
  readonly klCoefficient?: number;
  readonly klEstimator: KlEstimator;
  readonly klGranularity: KlGranularity;
  readonly klPlacement: KlPlacement;
}

/** The KL configuration of a run (η_train defaults to the environment's η). */
export const klConfigOf = (p: PgRunParams, eta: number): KlConfig => ({
  coefficient: p.klCoefficient ?? eta,
  estimator: p.klEstimator,
  granularity: p.klGranularity,
  placement: p.klPlacement,
});

/**
 * One trial of a policy-gradient learner: the reward table (r*, or the BT model on `budget` π0 pairs), the policy
 * model (log-linear or tabular; log-linear on sequences), `steps` steps of the shared loop, and the row's costs:
 * samples drawn and reward-model calls (compute) apart from the preference queries the reward model paid for.
 */
export function runPgTrial(
  ctx: TrialContext,
  p: PgRunParams,
  learner: string,
  rule: AdvantageRule,
  ppo?: PpoSettings,
): AlgorithmOutput {
  const reward = orThrow(rewardTable(ctx, p.reward, p.rewardL2));
  const kl = klConfigOf(p, ctx.problem.eta);
  const rng: Rng = ctx.rng.split("policy-gradient");
  const trainingPath: { step: number; policy: Policy }[] = [];
  const settings = { ...p, kl, rule, optimizer: p, ...(ppo ? { ppo } : {}) };
  let result;
  let model: PolicyModel<number> | PolicyModel<Int32Array>;
  if (ctx.kind === "sequence") {
    const { problem } = ctx;
    const m = logLinearSequenceModel(problem);
    model = m;
    const env = sequenceEnvironment(problem);
    const V = problem.vocab;
    const L = problem.length;
    const pg: PgEnvironment<Int32Array> = {
      drawPrompt: (r) => env.drawPrompt(r),
      reward: (_x, y) => sequenceReward(reward.table, V, y),
    };
    // the value of the state a token is drawn from: (prompt, position, previous token)
    const value: ValueTable = {
      state: (x, t, previous) => (x * L + t) * (V + 1) + (previous < 0 ? V : previous),
      values: new Float64Array(problem.prompts * L * (V + 1)),
    };
    result = runPolicyGradient(m, pg, settings, rng, ppo ? { table: value, tokenOf: (y, t) => y[t] } : undefined);
  } else {
    const { problem } = ctx;
    const m = finitePolicyModel(problem, p.policy);
    model = m;
    const env = finiteEnvironment(problem);
    const A = problem.actions;
    const pg: PgEnvironment<number> = {
      drawPrompt: (r) => env.drawPrompt(r),
      reward: (x, a) => reward.table[x * A + a],
    };
    const value: ValueTable = { state: (x) => x, values: new Float64Array(problem.contexts) };
    result = runPolicyGradient(
      m,
      pg,
      {
        ...settings,
        onStep: (step) => {
          if (geometricCheckpoints(step)) trainingPath.push({ step, policy: m.output() as Policy });
        },
      },
      rng,
      ppo ? { table: value, tokenOf: (a) => a } : undefined,
    );
  }
  const policy = model.output();
  const gaps = mleGibbsGaps(
    ctx,
    reward,
    "kind" in policy && policy.kind === "gibbs" ? policy.gibbs : (policy as Policy),
  );
  return {
    policy,
    ...(trainingPath.length > 0 ? { trainingPath } : {}),
    costs: {
      candidatesSampled: result.samples,
      rewardModelCalls: reward.source === "learned" ? result.rewardCalls : 0,
      gradientSteps: result.steps * (ppo?.epochs ?? 1),
    },
    diagnostics: {
      "pg/learner": learner,
      "pg/kl": klLabel(kl),
      "pg/klObjective": klObjective(kl, ctx.kind === "sequence"),
      "pg/reward": reward.source,
      "pg/goldRewardCalls": reward.source === "gold" ? result.rewardCalls : 0,
      ...result.diagnostics,
      ...gaps,
    },
  };
}
