// What several exploration rules share: a plan from two samplers (or two policy tables), and the state's data and
// Hessian with a typed error.
import { GshException, type Policy, invalidArgument, rowSamplers } from "@gsh/core";
import type { ExplorationState, PairPlan } from "./exploration";
import type { ExplorationWorld, ResponseSampler } from "./world";

/** A plan drawing y¹ ~ first(·|x), then y² ~ second(·|x), each into its own buffer of the world. */
export function fromSamplers<R>(
  world: ExplorationWorld<R>,
  first: ResponseSampler<R>,
  second: ResponseSampler<R>,
  extra: { gamma?: number; klToMain?: number } = {},
): PairPlan<R> {
  const y1 = world.slot(),
    y2 = world.slot();
  return {
    sample: (x, rng) => [first.draw(x, rng, y1), second.draw(x, rng, y2)],
    degenerate: () => 0,
    ...extra,
  };
}

/** A plan drawing a¹ ~ first(·|x) and a² ~ second(·|x) from two policy tables (finite actions). */
export function fromPolicies(
  first: Policy,
  second: Policy,
  extra: { gamma?: number; klToMain?: number } = {},
): PairPlan<number> {
  const t1 = rowSamplers(first.probs, first.contexts, first.actions);
  const t2 = second === first ? t1 : rowSamplers(second.probs, second.contexts, second.actions);
  return { sample: (x, rng) => [t1[x].sample(rng), t2[x].sample(rng)], degenerate: () => 0, ...extra };
}

/** The state's BT rows z_i, their count and the fits' λ, or a typed error naming the rule that needs them. */
export function requireData<R>(
  s: ExplorationState<R>,
  rule: string,
): ReturnType<NonNullable<ExplorationState<R>["data"]>> {
  if (!s.data)
    throw new GshException(
      invalidArgument("exploration", `${rule} needs the data's BT rows z_i (online GSHF supplies them)`),
    );
  return s.data();
}

/** The state's Hessian, or a typed error naming the rule that needs it (rules run outside online GSHF may lack it). */
export function requireHessian<R>(s: ExplorationState<R>, rule: string): Float64Array {
  if (!s.hessian)
    throw new GshException(
      invalidArgument("exploration", `${rule} needs the Hessian of the data's BT loss (online GSHF supplies it)`),
    );
  return s.hessian();
}
