import { activeLearningRuleWith } from "./active-learning";
import { bestVsWorstRule, enhancerRule, onPolicyRule, referenceRule, uniformRule } from "./basic-rules";
import type { EnhancerOptions } from "./enhancer";
import type { ExplorationRule } from "./exploration";
import { bootstrapPosteriorRule, laplacePosteriorRule } from "./posterior-sampling";
import { vpoRule } from "./vpo";
import { XPO_FINITE_ONLY, xpoRule } from "./xpo";

// The built-in exploration rules by name (the registry online GSHF and its definitions read), apart from the rule
// contract in exploration.ts so that no rule's module imports the registry that imports it.

/** The built-in rules' names, in the order the algorithm's parameter schema lists them. */
export const EXPLORATION_NAMES = [
  "enhancer",
  "on-policy",
  "reference",
  "uniform",
  "best-vs-worst",
  "posterior-laplace",
  "posterior-bootstrap",
  "xpo",
  "vpo",
  "active-learning",
] as const;

export type ExplorationName = (typeof EXPLORATION_NAMES)[number];

/** The built-in rule of this name; `bestOfN` is best-vs-worst's n and active learning's sampled candidates. */
export function explorationRule(
  name: ExplorationName,
  options: EnhancerOptions & { bestOfN?: number } = {},
): ExplorationRule {
  switch (name) {
    case "enhancer":
      return enhancerRule(options);
    case "on-policy":
      return onPolicyRule;
    case "reference":
      return referenceRule;
    case "uniform":
      return uniformRule;
    case "best-vs-worst":
      return bestVsWorstRule(options.bestOfN ?? 8);
    case "posterior-laplace":
      return laplacePosteriorRule;
    case "posterior-bootstrap":
      return bootstrapPosteriorRule;
    case "xpo":
      return xpoRule;
    case "vpo":
      return vpoRule;
    case "active-learning":
      return activeLearningRuleWith(options.bestOfN ?? 8);
  }
}

/** Why the built-in rule cannot run on this kind of environment, or null (XPO's bonus is not Markov on sequences). */
export function explorationUnsupported(name: ExplorationName, kind: "finite" | "sequence"): string | null {
  return name === "xpo" && kind === "sequence" ? XPO_FINITE_ONLY : null;
}
