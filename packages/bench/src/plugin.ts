import { z } from "zod";
import type { Policy, Rng } from "@gsh/core";
import type { BanditInstance, BanditProblem, PreferenceDataset, PreferenceOracle } from "@gsh/preference";

export { z };

/** What an algorithm gets for one trial: the learner's view, a counted oracle, its budget and its own stream. */
export interface TrialContext {
  readonly problem: BanditProblem;
  /** Counted by the runner; the trial's `queries` metric is read from here, never from the algorithm. */
  readonly oracle: PreferenceOracle;
  /** The trial's query budget. */
  readonly budget: number;
  /** A stream derived from (suite, algorithm label, environment, seed). */
  readonly rng: Rng;
  readonly seed: number;
  /**
   * n offline pairs from the behaviour policy (default π0), labelled through the counted oracle's instance. They
   * depend on (environment, seed, behaviour) only, so algorithms compared on offline data see the same data.
   * Their labels count as queries.
   */
  offlineData(n: number, behaviour?: "reference" | "skewed" | "uniform"): PreferenceDataset;
}

/** Costs besides preference queries, reported by the algorithm (queries are counted by the runner). */
export interface TrialCosts {
  readonly candidatesSampled?: number;
  readonly rewardModelCalls?: number;
  readonly gradientSteps?: number;
}

export interface AlgorithmOutput {
  /** The final policy (validated and scored exactly by the runner). */
  readonly policy: Policy;
  /** Optional per-iteration policies, scored by the runner for the report's traces. */
  readonly trace?: readonly { readonly queries: number; readonly policy: Policy }[];
  readonly costs?: TrialCosts;
  /**
   * An estimate with its confidence set, for calibration: the runner computes ‖θ̂ − θ*‖_Σ from the truth and records
   * whether it was ≤ β (Σ as a d×d row-major matrix).
   */
  readonly confidence?: { readonly theta: Float64Array; readonly covariance: Float64Array; readonly beta: number };
  /** A guarantee's right-hand side for a comparator; the runner calls it with π* (the truth) and records it. */
  readonly bound?: (comparator: Policy) => number;
  /** Free-form diagnostics (numbers or strings) copied into the result row. */
  readonly diagnostics?: Readonly<Record<string, number | string | boolean | null>>;
}

export interface AlgorithmDefinition<P = unknown> {
  readonly kind: "algorithm";
  readonly name: string;
  readonly description: string;
  readonly track: "theory" | "practical" | "plugin";
  /** Validates and defaults the parameters a suite passes. */
  readonly params: z.ZodType<P>;
  run(context: TrialContext, params: P): AlgorithmOutput | Promise<AlgorithmOutput>;
}

export interface EnvironmentDefinition<P = unknown> {
  readonly kind: "environment";
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  create(seed: number, params: P): BanditInstance;
}

/**
 * Declares an algorithm with a typed parameter schema. A plugin module exports these (as `default`, an array, or
 * an `algorithms` / `environments` export).
 *
 * @example
 * export default defineAlgorithm({
 *   name: "my-method", description: "…", track: "plugin",
 *   params: z.object({ beta: z.number().min(0).default(1) }),
 *   run: (ctx, { beta }) => ({ policy: ctx.problem.reference }),
 * });
 */
export function defineAlgorithm<S extends z.ZodType>(def: {
  name: string;
  description: string;
  track?: "theory" | "practical" | "plugin";
  params: S;
  run(context: TrialContext, params: z.output<S>): AlgorithmOutput | Promise<AlgorithmOutput>;
}): AlgorithmDefinition<z.output<S>> {
  return {
    kind: "algorithm",
    track: def.track ?? "plugin",
    name: def.name,
    description: def.description,
    params: def.params as unknown as z.ZodType<z.output<S>>,
    run: def.run,
  };
}

export function defineEnvironment<S extends z.ZodType>(def: {
  name: string;
  description: string;
  params: S;
  create(seed: number, params: z.output<S>): BanditInstance;
}): EnvironmentDefinition<z.output<S>> {
  return {
    kind: "environment",
    name: def.name,
    description: def.description,
    params: def.params as unknown as z.ZodType<z.output<S>>,
    create: def.create,
  };
}
