import { z } from "zod";
import type { EnvironmentKind } from "@gsh/preference";
import type { EnvironmentInstance } from "./environment";

export interface EnvironmentDefinition<P = unknown> {
  readonly kind: "environment";
  readonly name: string;
  readonly description: string;
  /** Which kind of instance `create` returns (default "bandit"). */
  readonly environmentKind: EnvironmentKind;
  readonly params: z.ZodType<P>;
  create(seed: number, params: P): EnvironmentInstance;
  /** Bytes an instance takes, estimated from its parameters: the suite loader refuses one that cannot fit. */
  readonly memoryBytes?: (params: P) => number;
  /**
   * Responses per prompt (A, or Vᴸ on sequences), from the parameters: what an algorithm's `unsupported` check may
   * ask before anything runs (absent: unknown).
   */
  readonly responsesPerPrompt?: (params: P) => number;
  /**
   * Whether a runner may reuse an instance across trials (absent: it may not, and creates one per trial):
   * - "per-seed": `create(seed, params)` is a pure function of its arguments and nothing writes into the instance
   *   after it is made (its lazy parts are computed the same way whenever first asked for), so one instance per
   *   (params, seed) serves every trial of that seed;
   * - "any-seed": moreover the instance does not depend on the seed (nothing in it is random; seeds enter through
   *   the data and the labels), so one instance per params serves every seed.
   */
  readonly reuse?: InstanceReuse;
}

/** How a runner may reuse an environment's instances (see `EnvironmentDefinition.reuse`). */
export type InstanceReuse = "per-seed" | "any-seed";

export type InstanceFor<K extends EnvironmentKind> = Extract<EnvironmentInstance, { kind: K }>["instance"];

/**
 * Declares an environment: `create` returns an instance of its `environmentKind` (default "bandit"): a
 * `BanditInstance`, a `SequenceInstance` or a `NonTransitiveInstance`.
 */
export function defineEnvironment<S extends z.ZodType, K extends EnvironmentKind = "bandit">(def: {
  name: string;
  description: string;
  environmentKind?: K;
  params: S;
  create(seed: number, params: z.output<S>): InstanceFor<K>;
  memoryBytes?: (params: z.output<S>) => number;
  responsesPerPrompt?: (params: z.output<S>) => number;
  reuse?: InstanceReuse;
}): EnvironmentDefinition<z.output<S>> {
  const environmentKind = def.environmentKind ?? "bandit";
  return {
    kind: "environment",
    environmentKind,
    name: def.name,
    description: def.description,
    params: def.params as unknown as z.ZodType<z.output<S>>,
    create: (seed, p) => ({ kind: environmentKind, instance: def.create(seed, p) }) as EnvironmentInstance,
    ...(def.memoryBytes ? { memoryBytes: def.memoryBytes } : {}),
    ...(def.responsesPerPrompt ? { responsesPerPrompt: def.responsesPerPrompt } : {}),
    ...(def.reuse ? { reuse: def.reuse } : {}),
  };
}
