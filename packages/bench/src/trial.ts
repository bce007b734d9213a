import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import {
  GshException,
  type KlEstimatorMoments,
  type Policy,
  Rng,
  finiteKlMoments,
  formatError,
  klToReference,
  validatePolicy,
} from "@gsh/core";
import {
  type BehaviourPolicy,
  type FactoredGibbsPolicy,
  type PreferenceDataset,
  type SequenceOfflineData,
  estimationError as thetaError,
  factoredGibbsPolicy,
  identifiedProjection,
  rewardParametersToJson,
  samplePairs,
  rewardGapBound,
} from "@gsh/preference";
import {
  type EnvironmentInstance,
  type NonTransitiveInstance,
  type SequenceInstance,
  evaluatePolicy,
  evaluateSequencePolicy,
  evaluateGibbsPolicy,
  referenceModePolicy,
  sampleOfflineData,
  sampleSequenceOfflineData,
  winRate,
} from "@gsh/testbeds";
import type { Registry } from "./registry";
import type { Suite } from "./suite";
import {
  type OkRow,
  type OverOptimization,
  RESULT_SCHEMA,
  type ResultRow,
  type TrainingPathOverOptimization,
  type TrialMetrics,
} from "@gsh/report";
import { suiteFingerprint } from "./fingerprint";
import { OverBudget, QueryBudget, closedOracle, learnerCopy } from "./learner-view";
import { sentenceSamples } from "./text-samples";
import { InstanceCache, PerInstanceValues, instanceKey } from "./instance-cache";
import { theoryWidths } from "./calibration";
import { banditCoverage, sequenceCoverage } from "./coverage";
import {
  FRONTIER_FACTORS,
  banditFrontier,
  banditOverOptimization,
  sequenceFrontier,
  banditTrainingPath,
  sequenceOverOptimization,
} from "./over-optimization";
import {
  type LogRatioSampler,
  finiteLogRatios,
  klDiagnostics,
  sequenceKlEstimatorMoments,
  sequenceLogRatios,
} from "./kl-diagnostics";
import type { AlgorithmOutput, TrialContext } from "@gsh/preference";

export interface Trial {
  readonly id: string;
  readonly index: number;
  readonly suite: string;
  readonly environment: Suite["environments"][number];
  readonly algorithm: Suite["algorithms"][number];
  readonly budget: number;
  readonly seed: number;
  /** The suite's fingerprint, written into the trial's row. */
  readonly fingerprint: string;
  /** The suite's KL-estimator diagnostics, when it asks for them. */
  readonly klEstimators?: Suite["klEstimators"];
  /** Where to save the trial's models (`--save-policies`); absent: nothing is saved. */
  readonly saveModelsDir?: string;
  readonly overOptimization?: Suite["overOptimization"];
  /** Record the coverage diagnostics of the offline data the algorithm drew (finite bandits). */
  readonly coverage?: boolean;
}

/**
 * The suite's grid in a fixed order (environment, algorithm, budget, seed). Ids are unique by construction for a
 * suite `resolveSuite` accepted (labels without '|', unique labels, seeds and budgets); checked again here, since a
 * suite.json edited by hand reaches this too.
 */
export function expandTrials(suite: Suite): Trial[] {
  const out: Trial[] = [];
  const fingerprint = suiteFingerprint(suite);
  for (const environment of suite.environments)
    for (const algorithm of suite.algorithms)
      if (!algorithm.environments || algorithm.environments.includes(environment.label))
        for (const budget of algorithm.budgets ?? suite.budgets)
          for (const seed of algorithm.seeds ? suite.seeds.slice(0, algorithm.seeds) : suite.seeds)
            out.push({
              id: `${environment.label}|${algorithm.label}|${budget}|${seed}`,
              index: out.length,
              suite: suite.name,
              environment,
              algorithm,
              budget,
              seed,
              fingerprint,
              ...(suite.klEstimators ? { klEstimators: suite.klEstimators } : {}),
              ...(suite.overOptimization ? { overOptimization: suite.overOptimization } : {}),
              ...(suite.coverage ? { coverage: true } : {}),
            });
  const ids = new Set(out.map((t) => t.id));
  if (ids.size !== out.length) {
    const seen = new Set<string>();
    const twice = out.find((t) => seen.size === seen.add(t.id).size)!;
    throw new GshException({
      _tag: "InvalidArgument",
      field: "suite",
      message: `two trials have the id '${twice.id}'`,
    });
  }
  return out;
}

/** The deterministic slice i of N (0-based): trials whose index is i modulo N. */
export function shardTrials(trials: readonly Trial[], index: number, count: number): Trial[] {
  return trials.filter((t) => t.index % count === index);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const GSH_VERSION = (require("../package.json") as { version: string }).version;

/** The identifying fields every row of a trial carries. */
export function rowIdentity(trial: Trial) {
  return {
    schema: RESULT_SCHEMA,
    suiteFingerprint: trial.fingerprint,
    trialId: trial.id,
    suite: trial.suite,
    environment: trial.environment.label,
    environmentName: trial.environment.name,
    environmentParams: trial.environment.params,
    algorithm: trial.algorithm.label,
    algorithmName: trial.algorithm.name,
    algorithmParams: trial.algorithm.params,
    track: trial.algorithm.track ?? "plugin",
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
  errorTag?: string,
): ResultRow {
  return {
    ...rowIdentity(trial),
    environmentId,
    environmentVersion,
    status: "failed",
    error,
    ...(errorTag ? { errorTag } : {}),
    wallMs,
  };
}

type Scored = Pick<TrialMetrics, "subopt" | "objective" | "trueReward" | "klToReference"> &
  Partial<
    Pick<TrialMetrics, "estimated" | "samplesPerPrompt" | "ci95" | "winRateVsReference" | "winRateVsReferenceMode">
  >;

/**
 * The environment boundary: everything the runner needs from an instance of any kind, so that the learner's view,
 * the counted oracle and the exact metrics are built in one place per kind.
 */
interface Boundary {
  readonly id: string;
  readonly version: number;
  readonly context: (base: { budget: number; rng: Rng; seed: number }) => TrialContext;
  readonly queries: () => number;
  readonly score: (policy: AlgorithmOutput["policy"], rng: Rng) => E.Either<string, Scored>;
  readonly optimal: Policy | FactoredGibbsPolicy | null;
  readonly optimalObjective: number | null;
  readonly thetaStar: Float64Array | null;
  /** B and max |<θ, φ(x,y) − φ(x,y')>| over ‖θ‖ ≤ B, which set the theory's β(δ) (null without an r*). */
  readonly theoryInputs: () => { readonly normBound: number; readonly zMax: number } | null;
  /** The η' sweep of the Gibbs policies of a fitted reward θ̂ (null without an r*). */
  readonly overOptimization: (thetaHat: Float64Array, factors: readonly number[]) => OverOptimization | null;
  /** n log-ratios log π/π0 of samples from the policy, for the KL estimators (null where it cannot be sampled). */
  readonly logRatios: (policy: AlgorithmOutput["policy"], rng: Rng) => LogRatioSampler | null;
  /** The exact moments of the KL estimators under the policy, where its class allows them (else null). */
  readonly klMoments: (policy: AlgorithmOutput["policy"]) => KlEstimatorMoments | null;
  /** Over-optimisation along the algorithm's training path (null where the environment cannot score it). */
  readonly trainingPath: (
    path: NonNullable<AlgorithmOutput["trainingPath"]>,
    final: AlgorithmOutput["policy"],
  ) => TrainingPathOverOptimization | null;
  /** SubOpt(π0), exact (null without an r*). */
  readonly referenceSubopt: () => number | null;
  /** The exact Gibbs frontier of r* over η' = η·factor (null without an r*); computed once per instance. */
  readonly optimalFrontier: () => OkRow["optimalFrontier"] | null;
  /** The projection onto the directions of θ that BT identifies (null: all of them, or no features to tell). */
  readonly identifiedProjection: () => Float64Array | null;
  /** Coverage of π* and the policy by the offline data drawn so far (null: none drawn, two behaviours, a sampler). */
  readonly coverage: (policy: AlgorithmOutput["policy"]) => OkRow["coverage"] | null;
  /** Text environments: sampled sentences of the policy, π0 and π* (see `sentenceSamples`). */
  readonly sentences?: (policy: AlgorithmOutput["policy"]) => OkRow["sentences"] | undefined;
}

/** A value derived from the trial's instance, computed once per instance key in a worker (`PerInstanceValues`). */
type Once = <T>(what: string, compute: () => T) => T;

function finiteBoundary(
  env: EnvironmentInstance & { kind: "bandit" | "non-transitive" },
  trial: Trial,
  rng: Rng,
  onceFor: Once,
): Boundary {
  const instance = env.instance;
  const budget = new QueryBudget(trial.budget);
  const oracle = closedOracle(instance.makeOracle(rng.split("oracle")), budget);
  const isPolicy = (p: AlgorithmOutput["policy"]): p is Policy => "contexts" in p && "actions" in p;
  const draws: { data: PreferenceDataset; behaviour: BehaviourPolicy }[] = [];
  return {
    id: instance.id,
    version: instance.version,
    context: (base) => ({
      ...base,
      kind: env.kind,
      problem: learnerCopy(instance.problem),
      oracle,
      ...(env.kind === "bandit" ? { goldReward: env.instance.truth.reward } : {}),
      offlineData(n: number, behaviour: BehaviourPolicy = "reference") {
        budget.charge(n);
        if (env.kind === "bandit") {
          const { data } = sampleOfflineData(env.instance, n, trial.seed, behaviour);
          if (trial.coverage) draws.push({ data, behaviour });
          return data;
        }
        // Non-transitive: no r*, so no "skewed" behaviour; π0 or uniform pairs, labelled by the instance's oracle.
        if (behaviour === "skewed")
          throw new Error("the skewed behaviour ranks actions by r*, which non-transitive preferences do not have");
        const { problem } = env.instance;
        const r = Rng.seeded(trial.seed).split(`data/${env.instance.id}/v${env.instance.version}/${behaviour}`);
        const labels = env.instance.makeOracle(r.split("labels"));
        const probs =
          behaviour === "uniform"
            ? new Float64Array(problem.reference.probs.length).fill(1 / problem.actions)
            : problem.reference.probs;
        return samplePairs(probs, probs, problem.contextWeights, problem.actions, n, labels, r.split("pairs"));
      },
    }),
    queries: () => budget.queries,
    score(policy) {
      if (!isPolicy(policy)) return E.left("a finite environment needs a Policy table (contexts × actions)");
      if (env.kind === "bandit") return evaluatePolicy(env.instance, policy);
      return evaluateNonTransitive(env.instance, policy);
    },
    coverage: (policy) =>
      env.kind === "bandit" && isPolicy(policy) ? banditCoverage(env.instance, draws, policy) : null,
    overOptimization: (thetaHat, factors) =>
      env.kind === "bandit" ? banditOverOptimization(env.instance, thetaHat, factors) : null,
    theoryInputs: () => {
      if (env.kind !== "bandit") return null;
      const { features, normBound } = env.instance.problem;
      return { normBound, zMax: rewardGapBound({ features, normBound }).value };
    },
    logRatios: (policy, r) =>
      isPolicy(policy) ? finiteLogRatios(policy, instance.problem.reference, instance.problem.contextWeights, r) : null,
    klMoments: (policy) =>
      isPolicy(policy) ? finiteKlMoments(policy, instance.problem.reference, instance.problem.contextWeights) : null,
    trainingPath: (path, final) =>
      env.kind === "bandit" && isPolicy(final) ? banditTrainingPath(env.instance, path, final) : null,
    optimalFrontier: () =>
      env.kind === "bandit" ? onceFor("frontier", () => banditFrontier(env.instance, FRONTIER_FACTORS)) : null,
    identifiedProjection: () => onceFor("identified-projection", () => identifiedProjection(instance.problem.features)),
    referenceSubopt: () => {
      if (env.kind !== "bandit") return null;
      return onceFor("reference-subopt", () => {
        const m = evaluatePolicy(env.instance, env.instance.problem.reference);
        return E.isLeft(m) ? null : m.right.subopt;
      });
    },
    optimal: env.kind === "bandit" ? env.instance.truth.optimal : null,
    optimalObjective: env.kind === "bandit" ? env.instance.truth.optimalObjective : null,
    thetaStar: env.kind === "bandit" ? env.instance.truth.theta : null,
  };
}

/** Win rates against π0 and π0's most likely action; no r*, so no SubOpt (null), KL to π0 exact. */
function evaluateNonTransitive(instance: NonTransitiveInstance, policy: Policy): E.Either<string, Scored> {
  const v = validatePolicy(policy);
  if (E.isLeft(v)) return E.left(formatError(v.left));
  const { problem } = instance;
  if (policy.contexts !== problem.contexts || policy.actions !== problem.actions)
    return E.left(
      `policy is ${policy.contexts}×${policy.actions}, the problem is ${problem.contexts}×${problem.actions}`,
    );
  return E.right({
    subopt: null,
    objective: null,
    trueReward: null,
    klToReference: klToReference(policy, problem.reference, problem.contextWeights),
    winRateVsReference: winRate(instance, policy, problem.reference),
    winRateVsReferenceMode: winRate(instance, policy, referenceModePolicy(problem)),
  });
}

function sequenceBoundary(
  instance: SequenceInstance,
  trial: Trial,
  rng: Rng,
  samplesPerPrompt: number,
  onceFor: Once,
): Boundary {
  const budget = new QueryBudget(trial.budget);
  const draws: SequenceOfflineData[] = [];
  const oracle = closedOracle(instance.makeOracle(rng.split("oracle")), budget);
  return {
    id: instance.id,
    version: instance.version,
    context: (base) => ({
      ...base,
      kind: "sequence",
      problem: learnerCopy(instance.problem),
      oracle,
      // A copy: the instance is shared by the worker's trials of its key, so a learner's write must not reach it.
      goldReward: learnerCopy(instance.truth.bigram),
      offlineData(n: number) {
        budget.charge(n);
        const data = sampleSequenceOfflineData(instance, n, trial.seed);
        if (trial.coverage) draws.push(data);
        return data;
      },
    }),
    queries: () => budget.queries,
    score(policy, evalRng) {
      if (!("kind" in policy))
        return E.left("a sequence environment needs a SequencePolicy (markov, enumerated or sampler)");
      return evaluateSequencePolicy(instance, policy, { rng: evalRng, samplesPerPrompt });
    },
    // DPO's sequence learners do not expose their steps yet: the path diagnostic is finite-bandit only.
    trainingPath: () => null,
    coverage: (policy) => ("kind" in policy ? sequenceCoverage(instance, draws, policy) : null),
    optimalFrontier: () => onceFor("frontier", () => sequenceFrontier(instance, FRONTIER_FACTORS)),
    // ψ tables give no finite list of differences to span: the sequence testbeds' ψ are generic (full rank)
    identifiedProjection: () => null,
    referenceSubopt: () =>
      onceFor("reference-subopt", () => {
        const { vocab: V } = instance.problem;
        const pi0 = factoredGibbsPolicy(instance.problem, new Float64Array((V + 1) * V));
        return evaluateGibbsPolicy(instance.problem, instance.truth, pi0).subopt;
      }),
    optimal: instance.truth.optimalGibbs,
    optimalObjective: instance.truth.optimalObjective,
    thetaStar: instance.truth.theta,
    sentences: (policy) => ("kind" in policy ? sentenceSamples(instance, policy, onceFor) : undefined),
    logRatios: (policy, r) => ("kind" in policy ? sequenceLogRatios(instance, policy, r) : null),
    klMoments: (policy) => ("kind" in policy ? sequenceKlEstimatorMoments(instance, policy) : null),
    overOptimization: (thetaHat, factors) => sequenceOverOptimization(instance, thetaHat, factors),
    // An upper bound by a Viterbi pass per feature coordinate (never sampled), once per instance.
    theoryInputs: () => ({
      normBound: instance.problem.normBound,
      zMax: onceFor("reward-gap", () => rewardGapBound(instance.problem).value),
    }),
  };
}

/**
 * What a worker keeps between trials: instances, where their definition allows reuse (`InstanceCache`), and values
 * derived from an instance (the frontier, SubOpt(π0), T's π0 and π* sentences), which the trials of one instance key
 * (every algorithm and budget of an environment's seed, or of every seed for a seed-independent one) share.
 */
let instances = new InstanceCache();
let perInstance = new PerInstanceValues();

/** Drops the worker's kept instances and derived values (tests compare rows of fresh and kept instances). */
export function forgetKeptInstances(): void {
  instances = new InstanceCache();
  perInstance = new PerInstanceValues();
}

/**
 * A trial id as a file name: letters, digits, '.', '-' and '_', then 8 hex digits of its SHA-256, because labels
 * that differ only in other characters (β=0 and η=0) would otherwise collide.
 */
const fileSafe = (id: string) =>
  `${id
    .normalize("NFKD")
    .replace(/[^\w.-]+/g, "_")
    .slice(0, 100)}-${createHash("sha256").update(id).digest("hex").slice(0, 8)}`;

/** Writes the trial's reward model (θ̂, λ) and its policy's reward parameters as gsh/reward-model JSON. */
function saveModels(trial: Trial, out: AlgorithmOutput, dir: string): void {
  const meta = {
    trialId: trial.id,
    environment: trial.environment.label,
    environmentName: trial.environment.name,
    environmentParams: trial.environment.params,
    algorithm: trial.algorithm.label,
    seed: trial.seed,
    budget: trial.budget,
  };
  if (out.confidence)
    writeFileSync(
      join(dir, `${fileSafe(trial.id)}.reward-model.json`),
      rewardParametersToJson(
        { theta: out.confidence.theta, lambda: out.confidence.lambda ?? 1 },
        { ...meta, kind: "reward-model" },
      ),
    );
  if (out.policyParameters)
    writeFileSync(
      join(dir, `${fileSafe(trial.id)}.policy.json`),
      rewardParametersToJson(out.policyParameters, { ...meta, kind: "gibbs-policy", eta: out.policyParameters.eta }),
    );
}

/** Monte-Carlo samples per prompt for sampler policies (their metrics are marked estimated). */
export const MONTE_CARLO_SAMPLES_PER_PROMPT = 512;

const COST_KEYS = ["candidatesSampled", "rewardModelCalls", "gradientSteps"] as const;

/**
 * Why an algorithm's `costs` are invalid, or null: an unknown key (a misspelling would otherwise be dropped and the
 * cost reported as 0) or a value that is not a finite number ≥ 0.
 */
export function invalidCosts(costs: unknown): string | null {
  if (costs === undefined) return null;
  if (typeof costs !== "object" || costs === null) return `costs must be an object, got ${String(costs)}`;
  for (const [k, v] of Object.entries(costs)) {
    if (!(COST_KEYS as readonly string[]).includes(k))
      return `unknown cost '${k}' (the costs are ${COST_KEYS.join(", ")})`;
    if (!(typeof v === "number" && Number.isFinite(v) && v >= 0))
      return `cost '${k}' must be a finite number ≥ 0, got ${String(v)}`;
  }
  return null;
}

/**
 * Runs one trial and scores it at the environment boundary. Never throws: a failure (a throw, an invalid policy, a
 * `dispose` that throws) is a row with status "failed", its error and its tag, so a suite goes on.
 */
export async function runTrial(trial: Trial, registry: Registry): Promise<ResultRow> {
  const start = performance.now();
  let dispose: (() => void) | undefined;
  const row = await runAndScore(trial, registry, start, (d) => (dispose = d));
  try {
    dispose?.();
  } catch (e) {
    return failedRow(
      trial,
      `the algorithm's dispose threw: ${e instanceof Error ? e.message : String(e)}`,
      performance.now() - start,
      row.environmentId,
      row.environmentVersion,
      "DisposeFailed",
    );
  }
  return row;
}

async function runAndScore(
  trial: Trial,
  registry: Registry,
  start: number,
  onDispose: (dispose: () => void) => void,
): Promise<ResultRow> {
  const env = registry.environments.get(trial.environment.name);
  const alg = registry.algorithms.get(trial.algorithm.name);
  const base = rowIdentity(trial);
  const failed = (error: string, id = "", version = 0, tag?: string): ResultRow =>
    failedRow(trial, error, performance.now() - start, id, version, tag);
  if (!env) return failed(`unknown environment '${trial.environment.name}'`);
  if (!alg) return failed(`unknown algorithm '${trial.algorithm.name}'`);
  if (!alg.supports.includes(env.environmentKind))
    return failed(`algorithm '${alg.name}' does not support ${env.environmentKind} environments`);
  let created: EnvironmentInstance;
  try {
    created = instances.get(env, trial.seed, trial.environment.params);
  } catch (e) {
    return failed(`environment failed: ${(e as Error).message}`);
  }
  const key = instanceKey(env, trial.environment.params, trial.seed);
  const onceFor: Once = (what, compute) => perInstance.once(key, what, compute);
  const streams = trial.algorithm.streams ?? trial.algorithm.label;
  const rng = Rng.seeded(trial.seed).split(`trial/${trial.environment.label}/${streams}/${trial.budget}`);
  const boundary =
    created.kind === "sequence"
      ? sequenceBoundary(created.instance, trial, rng, MONTE_CARLO_SAMPLES_PER_PROMPT, onceFor)
      : finiteBoundary(created, trial, rng, onceFor);
  const ctx = boundary.context({ budget: trial.budget, rng: rng.split("algorithm"), seed: trial.seed });
  const { id, version } = boundary;
  let out: AlgorithmOutput;
  try {
    out = await alg.run(ctx, trial.algorithm.params);
  } catch (e) {
    if (e instanceof OverBudget) return failed(e.message, id, version, "OverBudget");
    if (e instanceof GshException) return failed(`algorithm failed: ${e.message}`, id, version, e.error._tag);
    return failed(`algorithm threw: ${(e as Error)?.message ?? String(e)}`, id, version, "Exception");
  }
  if (typeof out !== "object" || out === null || typeof out.policy !== "object" || out.policy === null)
    return failed(
      `algorithm returned ${out === null ? "null" : typeof out} instead of { policy, … }`,
      id,
      version,
      "InvalidOutput",
    );
  if (typeof out.dispose === "function") onDispose(() => out.dispose!());
  const badCosts = invalidCosts(out.costs);
  if (badCosts) return failed(badCosts, id, version, "InvalidOutput");
  try {
    const evalRng = Rng.seeded(trial.seed).split(`evaluation/${trial.environment.label}/${streams}/${trial.budget}`);
    const m = boundary.score(out.policy, evalRng.split("final"));
    if (E.isLeft(m)) return failed(`invalid policy: ${m.left}`, id, version, "InvalidPolicy");
    const trace: NonNullable<OkRow["trace"]>[number][] = [];
    for (const [i, t] of (out.trace ?? []).entries()) {
      if (!(Number.isInteger(t?.queries) && t.queries >= 0 && t.queries <= trial.budget))
        return failed(
          `invalid trace: point ${i} is at ${String(t?.queries)} queries (a whole number in [0, ${trial.budget}] expected)`,
          id,
          version,
          "InvalidOutput",
        );
      const tm = boundary.score(t.policy, evalRng.split(`trace/${i}`));
      if (E.isLeft(tm))
        return failed(`invalid trace policy at ${t.queries} queries: ${tm.left}`, id, version, "InvalidPolicy");
      trace.push({
        queries: t.queries,
        subopt: tm.right.subopt,
        trueReward: tm.right.trueReward,
        klToReference: tm.right.klToReference,
      });
    }
    let estimationError: number | null = null;
    let confidenceBeta: number | null = null;
    let confidenceHeld: boolean | null = null;
    let confidenceWidths: OkRow["confidenceWidths"];
    const thetaStar = boundary.thetaStar;
    if (out.confidence && thetaStar) {
      const { theta, covariance, beta } = out.confidence;
      const d = thetaStar.length;
      if (theta?.length !== d || covariance?.length !== d * d || !(beta >= 0))
        return failed(
          `invalid confidence set: θ has ${theta?.length} entries and Σ ${covariance?.length} (expected ${d} and ${d * d}), β = ${beta}`,
          id,
          version,
          "InvalidOutput",
        );
      estimationError = thetaError(covariance, theta, thetaStar, boundary.identifiedProjection());
      confidenceBeta = beta;
      confidenceHeld = estimationError <= beta;
      const lambda = out.confidence.lambda;
      const inputs = lambda !== undefined && lambda > 0 ? boundary.theoryInputs() : null;
      if (inputs && lambda) confidenceWidths = theoryWidths(d, lambda, inputs.normBound, inputs.zMax);
    }
    const metrics: TrialMetrics = {
      estimated: false,
      ...m.right,
      optimalObjective: boundary.optimalObjective,
      queries: boundary.queries(),
      candidatesSampled: out.costs?.candidatesSampled ?? 0,
      rewardModelCalls: out.costs?.rewardModelCalls ?? 0,
      gradientSteps: out.costs?.gradientSteps ?? 0,
      confidenceBeta,
      estimationError,
      confidenceHeld,
      // The comparator is a copy: the bound cannot change the truth that later metrics read.
      boundRhs: out.bound && boundary.optimal ? out.bound(learnerCopy(boundary.optimal)) : null,
    };
    if (metrics.boundRhs !== null && !(typeof metrics.boundRhs === "number" && Number.isFinite(metrics.boundRhs)))
      return failed(
        `invalid bound: ${JSON.stringify(metrics.boundRhs) ?? String(metrics.boundRhs)} (a finite number expected)`,
        id,
        version,
        "InvalidOutput",
      );
    const sentences = boundary.sentences?.(out.policy);
    const klEstimators = trial.klEstimators
      ? klDiagnostics(
          boundary.klMoments(out.policy),
          boundary.logRatios(out.policy, evalRng.split("kl-estimators")),
          metrics.klToReference,
          metrics.estimated === true,
          trial.klEstimators,
        )
      : undefined;
    const overOptimization =
      trial.overOptimization && out.confidence?.theta
        ? (boundary.overOptimization(out.confidence.theta, trial.overOptimization.factors) ?? undefined)
        : undefined;
    const coverage = trial.coverage ? (boundary.coverage(out.policy) ?? undefined) : undefined;
    // Every row records SubOpt(π0) (once per instance): the report's headline is the share of π0's gap closed.
    const referenceSubopt = boundary.referenceSubopt();
    if (trial.saveModelsDir) saveModels(trial, out, trial.saveModelsDir);
    const optimalFrontier = boundary.optimalFrontier();
    for (const c of out.trainingPath ?? []) {
      const v = validatePolicy(c.policy);
      if (E.isLeft(v))
        return failed(
          `invalid training-path policy at step ${c.step}: ${formatError(v.left)}`,
          id,
          version,
          "InvalidPolicy",
        );
    }
    const trainingPath =
      trial.overOptimization && out.trainingPath ? boundary.trainingPath(out.trainingPath, out.policy) : null;
    const losses = out.trainingLoss ?? [];
    if (losses.some((l, i) => !Number.isFinite(l.loss) || !(l.step > (i ? losses[i - 1].step : 0))))
      return failed(
        "invalid trainingLoss: finite losses at increasing steps ≥ 1 expected",
        id,
        version,
        "InvalidOutput",
      );
    const trainingLoss = losses.length ? { step: losses.map((l) => l.step), loss: losses.map((l) => l.loss) } : null;
    const curves = trainingCurves(out);
    if (E.isLeft(curves)) return failed(curves.left, id, version, "InvalidOutput");
    return {
      ...base,
      environmentId: id,
      environmentVersion: version,
      status: "ok",
      metrics,
      ...(referenceSubopt !== null ? { referenceSubopt } : {}),
      ...(optimalFrontier ? { optimalFrontier } : {}),
      ...(trace.length ? { trace } : {}),
      ...(sentences ? { sentences } : {}),
      ...(klEstimators ? { klEstimators } : {}),
      ...(overOptimization ? { overOptimization } : {}),
      ...(trainingPath ? { trainingPath } : {}),
      ...(coverage ? { coverage } : {}),
      ...(trainingLoss ? { trainingLoss } : {}),
      ...curves.right,
      ...(confidenceWidths ? { confidenceWidths } : {}),
      ...(out.diagnostics ? { diagnostics: out.diagnostics } : {}),
      wallMs: performance.now() - start,
    };
  } catch (e) {
    // A policy that throws while scored (a sampler drawing from NaN weights) fails its trial, not the worker.
    return failed(
      `scoring the policy threw: ${e instanceof Error ? e.message : String(e)}`,
      id,
      version,
      "InvalidOutput",
    );
  }
}

/**
 * The held-out loss and likelihood displacement as row columns, validated like `trainingLoss` (finite values at
 * increasing steps ≥ 0; an unseen mass in [−1e-6, 1 + 1e-6], f32 rounding allowed).
 */
function trainingCurves(out: AlgorithmOutput): E.Either<string, Pick<OkRow, "heldOutLoss" | "likelihoodDisplacement">> {
  const increasing = (xs: readonly { step: number }[]) =>
    xs.every((x, i) => Number.isInteger(x.step) && x.step >= 0 && (i === 0 || x.step > xs[i - 1].step));
  const held = out.heldOutLoss ?? [];
  if (!increasing(held) || held.some((h) => !Number.isFinite(h.loss)))
    return E.left("invalid heldOutLoss: finite losses at increasing steps ≥ 0 expected");
  const disp = out.likelihoodDisplacement ?? [];
  if (
    !increasing(disp) ||
    disp.some(
      (d) =>
        !Number.isFinite(d.chosen) ||
        !Number.isFinite(d.rejected) ||
        !(d.unseenMass >= -1e-6 && d.unseenMass <= 1 + 1e-6),
    )
  )
    return E.left(
      "invalid likelihoodDisplacement: finite log-ratios and a mass in [0, 1] at increasing steps expected",
    );
  return E.right({
    ...(held.length ? { heldOutLoss: { step: held.map((h) => h.step), loss: held.map((h) => h.loss) } } : {}),
    ...(disp.length
      ? {
          likelihoodDisplacement: {
            step: disp.map((d) => d.step),
            chosen: disp.map((d) => d.chosen),
            rejected: disp.map((d) => d.rejected),
            unseenMass: disp.map((d) => d.unseenMass),
          },
        }
      : {}),
  });
}
