import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, type Policy, type Rng, invalidArgument } from "@gsh/core";
import {
  type BanditProblem,
  Covariance,
  PreferenceDataset,
  type PreferenceOracle,
  bradleyTerryHessian,
  finiteGibbsFamily,
  fitBradleyTerry,
  onlineLoop,
  winnerMinusLoser,
} from "@gsh/preference";
import { type EnhancerOptions, enhancer } from "./enhancer";
import { type ExplorationName, type ExplorationRule, type PairPlan, explorationRule } from "./exploration";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/**
 * Online GSHF's rounds in the shared loop, bandits and sequences alike: T "iterations" of m queries, each round's
 * stream "iteration/t" and its pairs from that stream's "pairs" (the keys every earlier result was drawn with).
 */
export const gshfLoop = (iterations: number, batchSize: number) =>
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
  /** m queries per iteration (the budget is T·m). */
  readonly batchSize: number;
  /** Confidence width β of Γ (the enhancer's scale). */
  readonly beta: number;
  readonly lambda?: number;
  /** Exploration rule: a name or a custom rule (default "enhancer"). */
  readonly exploration?: ExplorationName | ExplorationRule;
  readonly enhancer?: EnhancerOptions;
  readonly bestOfN?: number;
  /** "last" (default): the Gibbs policy of the MLE on all data; "min-uncertainty": the π¹_t with the smallest Γ_t(π¹_t, π²_t). */
  readonly output?: "last" | "min-uncertainty";
  /** Σ = λI + Σ zzᵀ ("unnormalized", default) or λI + (1/m)·Σ zzᵀ ("batch-normalized"). */
  readonly covariance?: "unnormalized" | "batch-normalized";
  /** Hybrid GSHF: offline data kept for every iteration (in the MLE and in Σ). */
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

export interface OnlineGshfResult {
  readonly policy: Policy;
  readonly theta: Float64Array;
  /** The online data (offline data not included). */
  readonly data: PreferenceDataset;
  readonly queries: number;
  readonly trace: readonly IterationTrace[];
}

function validate(o: OnlineGshfOptions): E.Either<GshError, void> {
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1))
    return E.left(invalidArgument("iterations", `must be an integer ≥ 1, got ${o.iterations}`));
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${o.batchSize}`));
  if (!(o.beta >= 0) || !Number.isFinite(o.beta))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${o.beta}`));
  if (o.lambda !== undefined && !(o.lambda > 0))
    return E.left(invalidArgument("lambda", `must be > 0, got ${o.lambda}`));
  return E.right(undefined);
}

/**
 * Online iterative GSHF (spec §4), and hybrid GSHF when `offlineData` is given. Each iteration: the main agent
 * π¹_t = Gibbs policy of the MLE on all data (reference π0, no optimism); the exploration rule picks the pair
 * distribution (default the enhancer, active from round 1 where Σ = λI); m contexts are drawn from d0, a pair per
 * context is queried, and the data grow. Every query goes through the counted oracle.
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
): E.Either<GshError, OnlineGshfResult> {
  const v = validate(options);
  if (E.isLeft(v)) return v;
  const { iterations: T, batchSize: m, beta } = options;
  const lambda = options.lambda ?? 1;
  const d = problem.dim;
  const rule =
    typeof options.exploration === "function"
      ? options.exploration
      : explorationRule(options.exploration ?? "enhancer", { ...options.enhancer, bestOfN: options.bestOfN });
  const family = finiteGibbsFamily(problem);
  const scale = options.covariance === "batch-normalized" ? 1 / m : 1;
  const cov = new Covariance(d, lambda, scale);
  const all = new PreferenceDataset(T * m + (options.offlineData?.size ?? 0));
  if (options.offlineData) {
    all.append(options.offlineData);
    cov.addRows(winnerMinusLoser(options.offlineData, problem.features), options.offlineData.size);
  }
  const online = new PreferenceDataset(T * m);
  const contexts = new AliasTable(problem.contextWeights);
  let theta: Float64Array = new Float64Array(d);
  const fit = (data: PreferenceDataset, init: Float64Array): E.Either<GshError, Float64Array> => {
    if (data.size === 0) return E.right(new Float64Array(d));
    const r = fitBradleyTerry(winnerMinusLoser(data, problem.features), data.size, d, { lambda, init });
    return E.isLeft(r) ? r : E.right(r.right.theta);
  };
  let bestGamma = Infinity;
  let bestTheta = theta;
  let plan: PairPlan;
  let gamma: number | null = null;
  let batch = new PreferenceDataset(m);

  const loop = onlineLoop(
    oracle,
    rng,
    {
      ...gshfLoop(T, m),
      context: (r) => contexts.sample(r),
    },
    {
      plan: (t, stepRng) => {
        const f = fit(all, theta);
        if (E.isLeft(f)) return f;
        theta = f.right;
        const main = family.policyOf(theta);
        let hessian: Float64Array | null = null;
        let rows: Float64Array | null = null;
        const z = () => (rows ??= winnerMinusLoser(all, problem.features));
        const fitted = theta;
        plan = rule({
          problem,
          theta,
          main,
          covariance: cov,
          beta,
          rng: stepRng.split("rule"),
          hessian: () => (hessian ??= bradleyTerryHessian(z(), all.size, d, fitted, lambda)),
          data: () => ({ z: z(), size: all.size, lambda }),
        });
        gamma = plan.gamma ?? null;
        if (options.output === "min-uncertainty" && gamma === null)
          gamma = enhancer(family, theta, cov, beta, stepRng.split("gamma"), options.enhancer).gamma;
        if (options.output === "min-uncertainty" && gamma !== null && gamma < bestGamma) {
          bestGamma = gamma;
          bestTheta = theta;
        }
        batch = new PreferenceDataset(m);
        return E.right({
          collect: (x, draw) => {
            const [a1, a2] = plan.sample(x, draw);
            batch.push(x, a1, a2, oracle.query(x, a1, a2));
          },
        });
      },
      learn: (t, queries) => {
        cov.addRows(winnerMinusLoser(batch, problem.features), m);
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
  const trace = loop.right.trace;
  let outTheta: Float64Array;
  if (options.output === "min-uncertainty") outTheta = bestTheta;
  else {
    const f = fit(all, theta);
    if (E.isLeft(f)) return f;
    outTheta = f.right;
  }
  return E.right({
    policy: family.policyOf(outTheta),
    theta: outTheta,
    data: online,
    queries: loop.right.queries,
    trace,
  });
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
): E.Either<GshError, OnlineGshfResult> {
  return onlineGshf(problem, oracle, rng, { exploration: "reference", ...options, offlineData });
}
