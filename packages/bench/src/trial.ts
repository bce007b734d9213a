import * as E from "fp-ts/lib/Either";
import { Rng, quadraticForm } from "@gsh/core";
import { type PreferenceOracle, evaluatePolicy, sampleOfflineData } from "@gsh/preference";
import type { Registry } from "./registry";
import type { Suite } from "./suite";
import type { ResultRow, TrialMetrics } from "./result-row";
import type { AlgorithmOutput, TrialContext } from "./plugin";

export interface Trial {
  readonly id: string;
  readonly index: number;
  readonly suite: string;
  readonly environment: Suite["environments"][number];
  readonly algorithm: Suite["algorithms"][number];
  readonly budget: number;
  readonly seed: number;
}

/** The suite's grid in a fixed order (environment, algorithm, budget, seed). */
export function expandTrials(suite: Suite): Trial[] {
  const out: Trial[] = [];
  for (const environment of suite.environments)
    for (const algorithm of suite.algorithms)
      for (const budget of suite.budgets)
        for (const seed of suite.seeds)
          out.push({
            id: `${environment.label}|${algorithm.label}|${budget}|${seed}`,
            index: out.length,
            suite: suite.name,
            environment,
            algorithm,
            budget,
            seed,
          });
  return out;
}

/** The deterministic slice i of N (0-based): trials whose index is i modulo N. */
export function shardTrials(trials: readonly Trial[], index: number, count: number): Trial[] {
  return trials.filter((t) => t.index % count === index);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const GSH_VERSION: string = require("../package.json").version;

/** Counts every query that reaches the instance, whatever the algorithm does. */
class CountingOracle implements PreferenceOracle {
  count = 0;
  constructor(private readonly inner: PreferenceOracle) {}
  get queries(): number {
    return this.count;
  }
  query(x: number, a1: number, a2: number): 0 | 1 {
    const y = this.inner.query(x, a1, a2);
    this.count++;
    return y;
  }
}

/** The identifying fields every row of a trial carries. */
export function rowIdentity(trial: Trial) {
  return {
    schema: "gsh/result-row@1" as const,
    trialId: trial.id,
    suite: trial.suite,
    environment: trial.environment.label,
    environmentName: trial.environment.name,
    environmentParams: trial.environment.params,
    algorithm: trial.algorithm.label,
    algorithmName: trial.algorithm.name,
    algorithmParams: trial.algorithm.params,
    budget: trial.budget,
    seed: trial.seed,
    gshVersion: GSH_VERSION,
  };
}

/** A failed row: the trial's identity, its error, no metrics. */
export function failedRow(
  trial: Trial,
  error: string,
  wallMs: number,
  environmentId = "",
  environmentVersion = 0,
): ResultRow {
  return { ...rowIdentity(trial), environmentId, environmentVersion, status: "failed", error, wallMs };
}

/**
 * Runs one trial and scores it at the environment boundary. Never throws: a failure (a throw, an invalid policy) is
 * a row with status "failed" and its error, so a suite goes on.
 */
export async function runTrial(trial: Trial, registry: Registry): Promise<ResultRow> {
  const start = performance.now();
  const env = registry.environments.get(trial.environment.name);
  const alg = registry.algorithms.get(trial.algorithm.name);
  const base = rowIdentity(trial);
  const failed = (error: string, id = "", version = 0): ResultRow =>
    failedRow(trial, error, performance.now() - start, id, version);
  if (!env) return failed(`unknown environment '${trial.environment.name}'`);
  if (!alg) return failed(`unknown algorithm '${trial.algorithm.name}'`);
  let instance;
  try {
    instance = env.create(trial.seed, trial.environment.params);
  } catch (e) {
    return failed(`environment failed: ${(e as Error).message}`);
  }
  const rng = Rng.seeded(trial.seed).split(`trial/${trial.environment.label}/${trial.algorithm.label}/${trial.budget}`);
  const oracle = new CountingOracle(instance.makeOracle(rng.split("oracle")));
  const ctx: TrialContext = {
    problem: instance.problem,
    oracle,
    budget: trial.budget,
    rng: rng.split("algorithm"),
    seed: trial.seed,
    offlineData(n, behaviour = "reference") {
      const { data, queries } = sampleOfflineData(instance, n, trial.seed, behaviour);
      oracle.count += queries;
      return data;
    },
  };
  let out: AlgorithmOutput;
  try {
    out = await alg.run(ctx, trial.algorithm.params);
  } catch (e) {
    return failed(`algorithm threw: ${(e as Error).message ?? String(e)}`, instance.id, instance.version);
  }
  const m = evaluatePolicy(instance, out.policy);
  if (E.isLeft(m)) return failed(`invalid policy: ${m.left}`, instance.id, instance.version);
  const trace: NonNullable<ResultRow["trace"]>[number][] = [];
  for (const t of out.trace ?? []) {
    const tm = evaluatePolicy(instance, t.policy);
    if (E.isLeft(tm))
      return failed(`invalid trace policy at ${t.queries} queries: ${tm.left}`, instance.id, instance.version);
    trace.push({
      queries: t.queries,
      subopt: tm.right.subopt,
      trueReward: tm.right.trueReward,
      klToReference: tm.right.klToReference,
    });
  }
  let confidenceRadius: number | null = null;
  let confidenceHeld: boolean | null = null;
  const thetaStar = instance.truth.theta;
  if (out.confidence && thetaStar) {
    const { theta, covariance, beta } = out.confidence;
    const diff = theta.map((v, k) => v - thetaStar[k]);
    confidenceRadius = Math.sqrt(Math.max(0, quadraticForm(covariance, theta.length, diff)));
    confidenceHeld = confidenceRadius <= beta;
  }
  const metrics: TrialMetrics = {
    ...m.right,
    optimalObjective: instance.truth.optimalObjective,
    queries: oracle.queries,
    candidatesSampled: out.costs?.candidatesSampled ?? 0,
    rewardModelCalls: out.costs?.rewardModelCalls ?? 0,
    gradientSteps: out.costs?.gradientSteps ?? 0,
    confidenceRadius,
    confidenceHeld,
    boundRhs: out.bound ? out.bound(instance.truth.optimal) : null,
  };
  return {
    ...base,
    environmentId: instance.id,
    environmentVersion: instance.version,
    status: "ok",
    metrics,
    ...(trace.length ? { trace } : {}),
    ...(out.diagnostics ? { diagnostics: out.diagnostics } : {}),
    wallMs: performance.now() - start,
  };
}
