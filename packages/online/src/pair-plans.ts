import { type Policy, rowSamplers } from "@gsh/core";
import type { PairPlan } from "./exploration";

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
