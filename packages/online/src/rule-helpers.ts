// What several exploration rules share: a plan from two policies, and the state's Hessian with a typed error.
import { GshException, type Policy, invalidArgument, rowSamplers } from "@gsh/core";
import type { ExplorationState, PairPlan } from "./exploration";

/** A plan drawing a¹ ~ first(·|x) and a² ~ second(·|x). */
export function fromPolicies(
  first: Policy,
  second: Policy,
  extra: { gamma?: number; klToMain?: number } = {},
): PairPlan {
  const t1 = rowSamplers(first.probs, first.contexts, first.actions);
  const t2 = second === first ? t1 : rowSamplers(second.probs, second.contexts, second.actions);
  return { sample: (x, rng) => [t1[x].sample(rng), t2[x].sample(rng)], degenerate: () => 0, ...extra };
}

/** The state's BT rows z_i, their count and the fits' λ, or a typed error naming the rule that needs them. */
export function requireData(s: ExplorationState, rule: string): ReturnType<NonNullable<ExplorationState["data"]>> {
  if (!s.data)
    throw new GshException(
      invalidArgument("exploration", `${rule} needs the data's BT rows z_i (online GSHF supplies them)`),
    );
  return s.data();
}

/** The state's Hessian, or a typed error naming the rule that needs it (rules run outside online GSHF may lack it). */
export function requireHessian(s: ExplorationState, rule: string): Float64Array {
  if (!s.hessian)
    throw new GshException(
      invalidArgument("exploration", `${rule} needs the Hessian of the data's BT loss (online GSHF supplies it)`),
    );
  return s.hessian();
}
