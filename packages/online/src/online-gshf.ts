import * as E from "fp-ts/lib/Either";
import {
  type GshError,
  GshException,
  type Policy,
  type Rng,
  getOrThrow,
  invalidArgument,
  validateEta,
} from "@gsh/core";
import {
  type AlgorithmDefinition,
  type AlgorithmOutput,
  type BanditProblem,
  Covariance,
  type EnvironmentKind,
  type FactoredGibbsPolicy,
  type Oracle,
  PreferenceDataset,
  type PreferenceOracle,
  type SequenceOracle,
  type SequenceProblem,
  betaSpec,
  bradleyTerryHessian,
  defineAlgorithm,
  finiteGibbsFamily,
  fitBradleyTerry,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  onlineLoop,
  resolveBeta,
  z,
  splitBudget,
} from "@gsh/preference";
import { type EnhancerOptions, enhancer } from "./enhancer";
import type { ExplorationRule, PairPlan } from "./exploration";
import { EXPLORATION_NAMES, type ExplorationName, explorationRule, explorationUnsupported } from "./rules";
import { type OnlineWorld, finiteOnlineWorld, lazySampler, sequenceOnlineWorld } from "./world";

// Online and hybrid GSHF, written once for every environment kind (the kind enters through its world: Gibbs family,
// response samplers, features), with their definitions for the benchmark runner and library callers.

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/**
 * Online GSHF's rounds in the shared loop: T "iterations" of m queries, each round's stream "iteration/t" and its
 * pairs from that stream's "pairs" (the keys every earlier result was drawn with).
 */
const gshfLoop = (iterations: number, batchSize: number) =>
  ({
    rounds: iterations,
    batchSize,
    names: { rounds: "iterations", batchSize: "batchSize" },
    roundKey: "iteration",
    pairKey: "pairs",
  }) as const;

export interface OnlineGshfOptions {
  /** T iterations. */
  readonly iterations: number;
  /** m queries per iteration (the budget is T·m, plus `finalBatchSize`). */
  readonly batchSize: number;
  /** Queries of one final, smaller iteration after the T (0 ≤ r < m, default 0): a budget B is T·⌊B/T⌋ + B mod T. */
  readonly finalBatchSize?: number;
  /** Confidence width β of Γ (the enhancer's scale). */
  readonly beta: number;
  readonly lambda?: number;
  /** Exploration rule: a name or a custom rule (default "enhancer"). */
  readonly exploration?: ExplorationName | ExplorationRule;
  readonly enhancer?: EnhancerOptions;
  /** Samples per context for best-vs-worst, and sampled candidates for active learning on sequences (default 8). */
  readonly bestOfN?: number;
  /**
   * "last" (default): the Gibbs policy of the MLE on all data; "min-uncertainty" (finite actions): the π¹_t with the
   * smallest Γ_t(π¹_t, π²_t).
   */
  readonly output?: "last" | "min-uncertainty";
  /** Σ = λI + Σ zzᵀ ("unnormalized", default) or λI + (1/m)·Σ zzᵀ ("batch-normalized"). */
  readonly covariance?: "unnormalized" | "batch-normalized";
  /**
   * Hybrid GSHF: offline data kept for every iteration (in the MLE and in Σ): action records on finite bandits,
   * records with features on sequences.
   */
  readonly offlineData?: PreferenceDataset;
}

export interface IterationTrace {
  readonly iteration: number;
  /** Online queries spent after this iteration's batch. */
  readonly queries: number;
  /** θ̂_t of the main agent that explored this round (evaluate it at the environment boundary). */
  readonly theta: Float64Array;
  /** Γ_t(π¹_t, π²_t) of the exploration pair, when the rule computes it. */
  readonly gamma: number | null;
  readonly enhancerKl: number | null;
  readonly degeneratePairs: number;
}

/** The result; P is the output policy: a `Policy` table on finite bandits, the factored Gibbs policy on sequences. */
export interface OnlineGshfResult<P = Policy> {
  /** The main agent after the last batch (or the min-uncertainty one): a Gibbs policy, Markov on sequences. */
  readonly policy: P;
  readonly theta: Float64Array;
  /** The online data (offline data not included). */
  readonly data: PreferenceDataset;
  readonly queries: number;
  readonly trace: readonly IterationTrace[];
}

/** Why these options cannot run on this kind of environment, or null. */
function unsupportedOn(kind: "finite" | "sequence", o: Pick<OnlineGshfOptions, "exploration" | "output">) {
  if (kind === "sequence" && (o.output ?? "last") !== "last") return ON_SEQUENCES_OUTPUT_IS_LAST;
  return typeof o.exploration === "string" ? explorationUnsupported(o.exploration, kind) : null;
}

const ON_SEQUENCES_OUTPUT_IS_LAST = "on sequences the output rule is 'last' (the MLE-Gibbs policy on all data)";

function validate(o: OnlineGshfOptions, kind: "finite" | "sequence"): E.Either<GshError, void> {
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1))
    return E.left(invalidArgument("iterations", `must be an integer ≥ 1, got ${o.iterations}`));
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${o.batchSize}`));
  if (!(o.beta >= 0) || !Number.isFinite(o.beta))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${o.beta}`));
  if (o.lambda !== undefined && !(o.lambda > 0))
    return E.left(invalidArgument("lambda", `must be > 0, got ${o.lambda}`));
  if (o.bestOfN !== undefined && !(Number.isInteger(o.bestOfN) && o.bestOfN >= 2))
    return E.left(invalidArgument("bestOfN", `must be an integer ≥ 2, got ${o.bestOfN}`));
  const reason = unsupportedOn(kind, o);
  if (reason !== null)
    return E.left(invalidArgument(reason === ON_SEQUENCES_OUTPUT_IS_LAST ? "output" : "exploration", reason));
  return E.right(undefined);
}

/** The loop, for any world: R a response (action or token sequence), P the output policy. */
function runOnline<R, P>(
  world: OnlineWorld<R, P>,
  oracle: Oracle<R>,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<P>> {
  const v = validate(options, world.kind);
  if (E.isLeft(v)) return v;
  const eta = validateEta(world.family.eta);
  if (E.isLeft(eta)) return eta;
  const offline = options.offlineData;
  const bad = offline ? world.checkOffline(offline) : null;
  if (bad) return E.left(bad);
  const { iterations: T, batchSize: m, beta } = options;
  const lambda = options.lambda ?? 1;
  const d = world.dim;
  const rule =
    typeof options.exploration === "function"
      ? options.exploration
      : explorationRule(options.exploration ?? "enhancer", { ...options.enhancer, bestOfN: options.bestOfN });
  const scale = options.covariance === "batch-normalized" ? 1 / m : 1;
  const cov = new Covariance(d, lambda, scale);
  const finalBatch = options.finalBatchSize ?? 0;
  const all = world.dataset(T * m + finalBatch + (offline?.size ?? 0));
  if (offline) {
    all.append(offline);
    cov.addRows(world.rows(offline), offline.size);
  }
  const online = world.dataset(T * m + finalBatch);
  let theta: Float64Array = new Float64Array(d);
  const fit = (init: Float64Array): E.Either<GshError, Float64Array> => {
    if (all.size === 0) return E.right(new Float64Array(d));
    const r = fitBradleyTerry(world.rows(all), all.size, d, { lambda, init });
    return E.isLeft(r) ? r : E.right(r.right.theta);
  };
  let bestGamma = Infinity;
  let bestTheta = theta;
  let plan: PairPlan<R>;
  let gamma: number | null = null;
  let batch = world.dataset(m);

  const loop = onlineLoop(
    oracle,
    rng,
    {
      ...gshfLoop(T, m),
      finalBatchSize: finalBatch,
      context: (r) => (plan.context ? plan.context(r) : world.context(r)),
    },
    {
      plan: (_t, stepRng, size) => {
        const f = fit(theta);
        if (E.isLeft(f)) return f;
        theta = f.right;
        const fitted = theta;
        let hessian: Float64Array | null = null;
        let rows: Float64Array | null = null;
        const z = () => (rows ??= world.rows(all));
        try {
          plan = rule({
            world,
            theta,
            main: lazySampler(() => world.member(fitted)),
            covariance: cov,
            beta,
            rng: stepRng.split("rule"),
            hessian: () => (hessian ??= bradleyTerryHessian(z(), all.size, d, fitted, lambda)),
            data: () => ({ z: z(), size: all.size, lambda }),
          });
        } catch (e) {
          // A rule's typed failure (a solver that did not converge, a missing capability) is the run's error.
          if (e instanceof GshException) return E.left(e.error);
          throw e;
        }
        gamma = plan.gamma ?? null;
        if (options.output === "min-uncertainty" && gamma === null)
          gamma = enhancer(world.family, theta, cov, beta, stepRng.split("gamma"), options.enhancer).gamma;
        if (options.output === "min-uncertainty" && gamma !== null && gamma < bestGamma) {
          bestGamma = gamma;
          bestTheta = theta;
        }
        batch = world.dataset(size);
        return E.right({
          collect: (x, draw) => {
            const [y1, y2] = plan.sample(x, draw);
            world.record(batch, x, y1, y2, oracle.query(x, y1, y2));
          },
        });
      },
      learn: (t, queries, size) => {
        cov.addRows(world.rows(batch), size);
        all.append(batch);
        online.append(batch);
        return E.right<GshError, IterationTrace>({
          iteration: t + 1,
          queries,
          theta,
          gamma,
          enhancerKl: plan.klToMain ?? null,
          degeneratePairs: plan.degenerate(),
        });
      },
    },
  );
  if (E.isLeft(loop)) return loop;
  let outTheta: Float64Array;
  if (options.output === "min-uncertainty") outTheta = bestTheta;
  else {
    const f = fit(theta);
    if (E.isLeft(f)) return f;
    outTheta = f.right;
  }
  return E.right({
    policy: world.policy(outTheta),
    theta: outTheta,
    data: online,
    queries: loop.right.queries,
    trace: loop.right.trace,
  });
}

const isSequenceProblem = (p: BanditProblem | SequenceProblem): p is SequenceProblem => "vocab" in p;

/**
 * Online iterative GSHF (spec §4), and hybrid GSHF when `offlineData` is given, on a finite-action bandit or on the
 * sequence bandit (spec §6). Each iteration: the main agent π¹_t = Gibbs policy of the MLE on all data (reference
 * π0, no optimism); the exploration rule picks the pair distribution (default the enhancer, active from round 1
 * where Σ = λI); m contexts are drawn from d0, a pair per context is queried, and the data grow. Every query goes
 * through the counted oracle. On sequences every policy formed is a Gibbs-family member or π0/uniform, hence Markov,
 * features of sampled responses come from the learner's view ψ, and the output rule is "last".
 *
 * @example
 * const oracle = world.makeOracle(Rng.seeded(seed).split("oracle"));
 * const r = onlineGshf(world.problem, oracle, Rng.seeded(seed).split("online"), { iterations: 10, batchSize: 100, beta: Math.sqrt(8) });
 */
export function onlineGshf(
  problem: BanditProblem,
  oracle: PreferenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult>;
export function onlineGshf(
  problem: SequenceProblem,
  oracle: SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<FactoredGibbsPolicy>>;
export function onlineGshf(
  problem: BanditProblem | SequenceProblem,
  oracle: PreferenceOracle | SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<Policy | FactoredGibbsPolicy>>;
export function onlineGshf(
  problem: BanditProblem | SequenceProblem,
  oracle: PreferenceOracle | SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<Policy | FactoredGibbsPolicy>> {
  return isSequenceProblem(problem)
    ? runOnline<Int32Array, FactoredGibbsPolicy>(sequenceOnlineWorld(problem), oracle as SequenceOracle, rng, options)
    : runOnline(finiteOnlineWorld(problem), oracle as PreferenceOracle, rng, options);
}

/**
 * Hybrid GSHF (spec §4): offline data kept for every iteration, Σ = λI + Σ_off + Σ_online. The exploration pair is
 * an explicit choice: "reference" ((π_t, π0), for diverse offline data; the default here) or "enhancer".
 */
export function hybridGshf(
  problem: BanditProblem,
  offlineData: PreferenceDataset,
  oracle: PreferenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult>;
export function hybridGshf(
  problem: SequenceProblem,
  offlineData: PreferenceDataset,
  oracle: SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<FactoredGibbsPolicy>>;
export function hybridGshf(
  problem: BanditProblem | SequenceProblem,
  offlineData: PreferenceDataset,
  oracle: PreferenceOracle | SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<Policy | FactoredGibbsPolicy>>;
export function hybridGshf(
  problem: BanditProblem | SequenceProblem,
  offlineData: PreferenceDataset,
  oracle: PreferenceOracle | SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<Policy | FactoredGibbsPolicy>> {
  return onlineGshf(problem, oracle, rng, { exploration: "reference", ...options, offlineData });
}

/** @deprecated use `OnlineGshfOptions` (one set of options for every kind) */
export type SequenceOnlineOptions = OnlineGshfOptions;
/** @deprecated use `OnlineGshfResult<FactoredGibbsPolicy>` */
export type SequenceOnlineResult = OnlineGshfResult<FactoredGibbsPolicy>;
/** @deprecated use `onlineGshf`, which takes a sequence problem too */
export const onlineGshfSequence = (
  problem: SequenceProblem,
  oracle: SequenceOracle,
  rng: Rng,
  options: OnlineGshfOptions,
): E.Either<GshError, OnlineGshfResult<FactoredGibbsPolicy>> => onlineGshf(problem, oracle, rng, options);

// ---- The algorithms' definitions: parameters (zod, with their defaults) and the runner's adapter. ----

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

const worldKind = (kind: EnvironmentKind) => (kind === "sequence" ? "sequence" : "finite");

/** The runner's output: the policy, each round's main agent for the traces, the last Γ and the degenerate pairs. */
function output(r: OnlineGshfResult<Policy | FactoredGibbsPolicy>, problem: BanditProblem | SequenceProblem) {
  const gammas = r.trace.map((t) => t.gamma).filter((g): g is number => g !== null);
  const family = isSequenceProblem(problem) ? null : finiteGibbsFamily(problem);
  const policyOf = (theta: Float64Array) =>
    family ? family.policyOf(theta) : gibbsSequencePolicy(linearSequenceGibbs(problem as SequenceProblem, theta));
  return {
    policy: isSequenceProblem(problem) ? gibbsSequencePolicy(r.policy as FactoredGibbsPolicy) : (r.policy as Policy),
    trace: r.trace.map((t) => ({ queries: t.queries, policy: policyOf(t.theta) })),
    diagnostics: {
      finalGamma: gammas.length ? gammas[gammas.length - 1] : null,
      degeneratePairs: r.trace.reduce((s, t) => s + t.degeneratePairs, 0),
    },
  } satisfies AlgorithmOutput;
}

/**
 * Online GSHF for the runner, on every kind. The budget B is spent whole: T rounds of ⌊B/T⌋ queries, then the
 * remaining B mod T in one final, smaller round (refused when B < T).
 */
export const onlineGshfAlgorithm = defineAlgorithm({
  name: "online-gshf",
  track: "online",
  description:
    "online iterative GSHF: T rounds of ⌊budget/T⌋ queries, then budget mod T in a final round; main agent = MLE-Gibbs; pairs from an exploration rule (default the enhancer)",
  params: z.object({ ...onlineParams, exploration: z.enum(EXPLORATION_NAMES).default("enhancer") }).strict(),
  supports: ALL_KINDS,
  unsupported: (shape, p) => unsupportedOn(worldKind(shape.kind), p),
  run(ctx, p) {
    const { batchSize, finalBatchSize } = splitBudget(ctx.budget, p.iterations, "iterations");
    const r = getOrThrow(
      onlineGshf(ctx.problem, ctx.oracle, ctx.rng, {
        iterations: p.iterations,
        batchSize,
        finalBatchSize,
        beta: resolveBeta(p.beta, ctx.problem, p.lambda),
        lambda: p.lambda,
        exploration: p.exploration,
        bestOfN: p.bestOfN,
        output: p.output,
        enhancer: { randomDirections: p.randomDirections, cMax: p.cMax },
      }),
    );
    return output(r, ctx.problem);
  },
});

/**
 * Hybrid GSHF for the runner, on every kind: ⌊fraction·B⌋ offline π0 pairs, the rest online, split as online GSHF's.
 */
export const hybridGshfAlgorithm = defineAlgorithm({
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
  unsupported: (shape, p) => unsupportedOn(worldKind(shape.kind), p),
  run(ctx, p) {
    const nOff = Math.floor(ctx.budget * p.offlineFraction);
    const { batchSize, finalBatchSize } = splitBudget(ctx.budget - nOff, p.iterations, "iterations");
    const data = ctx.kind === "sequence" ? ctx.offlineData(nOff).data : ctx.offlineData(nOff);
    const r = getOrThrow(
      hybridGshf(ctx.problem, data, ctx.oracle, ctx.rng, {
        iterations: p.iterations,
        batchSize,
        finalBatchSize,
        beta: resolveBeta(p.beta, ctx.problem, p.lambda),
        lambda: p.lambda,
        exploration: p.exploration,
        output: p.output,
        enhancer: { randomDirections: p.randomDirections, cMax: p.cMax },
      }),
    );
    return output(r, ctx.problem);
  },
});

/** Online and hybrid GSHF, as the benchmark's registry lists them. */
export const onlineAlgorithms: readonly AlgorithmDefinition[] = [
  onlineGshfAlgorithm,
  hybridGshfAlgorithm,
] as AlgorithmDefinition[];
