import { z } from "zod";
import type { Policy, Rng } from "@gsh/core";
import type { BanditProblem, PreferenceOracle } from "../environments/bandit";
import type { EnvironmentKind } from "../environments/environment";
import type { SequenceOracle, SequenceProblem } from "../sequence/problem";
import type { SequencePolicy } from "../sequence/policy";
import type { FactoredGibbsPolicy } from "../sequence/gibbs-policy";
import type { SequenceOfflineData } from "../sequence/sampler";
import type { PreferenceDataset } from "../data/dataset";

// The contract between an algorithm and whatever runs it (the benchmark runner, a script, the playground): the
// learner's view of one trial, what the algorithm returns, and its declaration with a zod parameter schema. Each
// algorithm's package exports its definitions, written once for every environment kind it supports.
export { z };

export interface TrialBase {
  /** The trial's query budget (enforced by the counted oracle's owner, the runner). */
  readonly budget: number;
  /** A stream derived from (suite, algorithm label, environment, seed). */
  readonly rng: Rng;
  readonly seed: number;
}

/** The learner's view of a finite-action environment (a bandit, or non-transitive preferences without any r*). */
export interface FiniteTrialContext extends TrialBase {
  readonly kind: "bandit" | "non-transitive";
  readonly problem: BanditProblem;
  /** Counted by the runner; the trial's `queries` metric is read from here, never from the algorithm. */
  readonly oracle: PreferenceOracle;
  /**
   * n offline pairs from the behaviour policy (default π0), labelled through the counted oracle's instance. They
   * depend on (environment, seed, behaviour) only, so algorithms compared on offline data see the same data.
   * Their labels count as queries.
   */
  offlineData(n: number, behaviour?: "reference" | "skewed" | "uniform"): PreferenceDataset;
  /**
   * r*(x, a) (X·A, row-major) where the environment has one (not on non-transitive preferences): the reward source of
   * algorithms that optimise the true reward (policy gradient with r*, an upper bound on any reward model) and of the
   * exact gradient audit. An algorithm that learns from preferences does not read it; one that does says so in its
   * description and rows.
   */
  readonly goldReward?: Float64Array;
}

/** The learner's view of a sequence environment: ψ, π0 and a counted oracle over responses. */
export interface SequenceTrialContext extends TrialBase {
  readonly kind: "sequence";
  readonly problem: SequenceProblem;
  readonly oracle: SequenceOracle;
  /** n offline pairs y¹, y² ~ π0 (records with features, and the responses), depending on (environment, seed) only. */
  offlineData(n: number): SequenceOfflineData;
  /**
   * r* as its bigram table b*(s, v), (V+1)·V, r*(x, y) = Σ_t b*(y_{t−1}, y_t): as `FiniteTrialContext.goldReward`,
   * for algorithms whose reward source is r* and for the exact gradient audit.
   */
  readonly goldReward?: Float64Array;
}

/** What an algorithm gets for one trial: the view of its environment's kind, a counted oracle, budget and stream. */
export type TrialContext = FiniteTrialContext | SequenceTrialContext;
/** The context an algorithm supporting the kinds K receives. */
export type ContextFor<K extends EnvironmentKind> = K extends "sequence" ? SequenceTrialContext : FiniteTrialContext;

/** Costs besides preference queries, reported by the algorithm (queries are counted by the runner). */
export interface TrialCosts {
  readonly candidatesSampled?: number;
  readonly rewardModelCalls?: number;
  readonly gradientSteps?: number;
}

export interface AlgorithmOutput {
  /**
   * The final policy (validated and scored at the environment boundary): a `Policy` table on finite environments,
   * a `SequencePolicy` (Markov table, enumerated, or sampler scored by Monte Carlo) on sequence environments.
   */
  readonly policy: Policy | SequencePolicy;
  /** Optional per-iteration policies, scored by the runner for the report's traces. */
  readonly trace?: readonly { readonly queries: number; readonly policy: Policy | SequencePolicy }[];
  /**
   * Optional policies along the training steps (step 0 = before training), for the over-optimisation diagnostic:
   * the runner scores each against r* and against the trained policy's implicit reward η·log(π/π0).
   */
  readonly trainingPath?: readonly { readonly step: number; readonly policy: Policy }[];
  /**
   * The trained policy as the reward it is the Gibbs policy of, π ∝ π0·exp(<θ, φ>/η) (log-linear DPO's w, MLE-Gibbs'
   * θ̂), for `--save-policies`: parameters, not tables.
   */
  readonly policyParameters?: { readonly theta: Float64Array; readonly lambda: number; readonly eta: number };
  /** Optional training loss per optimizer step (any subset of steps, increasing), for the report's loss curves. */
  readonly trainingLoss?: readonly { readonly step: number; readonly loss: number }[];
  /**
   * Optional held-out loss at evaluation steps (step 0 = before training), on the same step axis as `trainingLoss`:
   * the loss of pairs the learner paid for and kept out of training, for early stopping and the report's curves.
   */
  readonly heldOutLoss?: readonly { readonly step: number; readonly loss: number }[];
  /**
   * Optional likelihood displacement along training: the mean log π/π0 of the training pairs' chosen and rejected
   * responses, and the probability mass on responses in no pair (exact for any autoregressive policy).
   */
  readonly likelihoodDisplacement?: readonly {
    readonly step: number;
    readonly chosen: number;
    readonly rejected: number;
    readonly unseenMass: number;
  }[];
  readonly costs?: TrialCosts;
  /**
   * An estimate with its confidence set, for calibration: the runner computes ‖θ̂ − θ*‖_Σ from the truth and records
   * whether it was ≤ β (Σ as a d×d row-major matrix).
   */
  readonly confidence?: {
    readonly theta: Float64Array;
    readonly covariance: Float64Array;
    readonly beta: number;
    /** The ridge λ in Σ = λI + Σ zzᵀ: with it the runner also records the theory's β(δ) for calibration. */
    readonly lambda?: number;
  };
  /** A guarantee's right-hand side for a comparator; the runner calls it with π* (the truth) and records it. */
  readonly bound?: (comparator: Policy | FactoredGibbsPolicy) => number;
  /** Called by the runner after scoring (e.g. to free TF.js tensors a sampler policy still needs while scored). */
  dispose?(): void;
  /** Free-form diagnostics (numbers or strings) copied into the result row. */
  readonly diagnostics?: Readonly<Record<string, number | string | boolean | null>>;
}

/** An algorithm's track: the paper's theory (offline), online GSHF, the practical methods, or a plugin's own. */
export type AlgorithmTrack = "theory" | "online" | "practical" | "plugin";
export const ALGORITHM_TRACKS: readonly AlgorithmTrack[] = ["theory", "online", "practical", "plugin"];

/**
 * What an algorithm may know of an environment before a trial: its kind and, where finite, the number of responses
 * per prompt (A on bandits, Vᴸ on sequences). Enough to refuse a pairing before anything runs.
 */
export interface EnvironmentShape {
  readonly kind: EnvironmentKind;
  readonly responsesPerPrompt?: number;
}

/**
 * A pairing an algorithm cannot run (Option II beyond enumeration, a bonus that is not Markov on sequences): the
 * suite loader reports it, naming the entries, before any trial runs; `run` fails with it if called anyway.
 */
export interface UnsupportedOnKind {
  readonly _tag: "UnsupportedOnKind";
  readonly algorithm: string;
  readonly kind: EnvironmentKind;
  readonly reason: string;
}

export interface AlgorithmDefinition<P = unknown> {
  readonly kind: "algorithm";
  readonly name: string;
  readonly description: string;
  readonly track: AlgorithmTrack;
  /** The environment kinds it runs on; the suite loader refuses any other pairing. */
  readonly supports: readonly EnvironmentKind[];
  /** Validates and defaults the parameters a suite passes. */
  readonly params: z.ZodType<P>;
  /** Why these parameters cannot run on an environment of this shape, or null (checked when a suite loads). */
  unsupported?(environment: EnvironmentShape, params: P): string | null;
  run(context: TrialContext, params: P): AlgorithmOutput | Promise<AlgorithmOutput>;
}

/**
 * Declares an algorithm with a typed parameter schema. A plugin module exports these (as `default`, an array, or
 * an `algorithms` / `environments` export). `supports` lists the environment kinds it runs on (default the finite
 * ones, "bandit" and "non-transitive"); its `run` receives the matching context, narrowed by `ctx.kind`.
 *
 * @example
 * export default defineAlgorithm({
 *   name: "my-method", description: "…", track: "plugin",
 *   params: z.object({ beta: z.number().min(0).default(1) }),
 *   run: (ctx, { beta }) => ({ policy: ctx.problem.reference }),
 * });
 * // a sequence algorithm: supports: ["sequence"], run: (ctx) => ({ policy: markovSequencePolicy(...) })
 */
export function defineAlgorithm<S extends z.ZodType, K extends EnvironmentKind = "bandit" | "non-transitive">(def: {
  name: string;
  description: string;
  track?: AlgorithmTrack;
  supports?: readonly K[];
  params: S;
  unsupported?(environment: EnvironmentShape, params: z.output<S>): string | null;
  run(context: ContextFor<K>, params: z.output<S>): AlgorithmOutput | Promise<AlgorithmOutput>;
}): AlgorithmDefinition<z.output<S>> {
  return {
    kind: "algorithm",
    track: def.track ?? "plugin",
    name: def.name,
    description: def.description,
    supports: def.supports ?? ["bandit", "non-transitive"],
    params: def.params as unknown as z.ZodType<z.output<S>>,
    ...(def.unsupported ? { unsupported: def.unsupported } : {}),
    run: def.run,
  };
}
