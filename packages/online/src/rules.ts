import { apoRuleWith } from "./apo";
import { bestVsWorstRule, enhancerRule, onPolicyRule, referenceRule, uniformRule } from "./basic-rules";
import type { EnhancerOptions } from "./enhancer";
import type { ExplorationRule } from "./exploration";
import { bootstrapPosteriorRule, laplacePosteriorRule } from "./posterior-sampling";
import { entropyWidthRuleWith } from "./entropy-width";
import { UCB_BONUS_FINITE_ONLY, ucbBonusRule } from "./ucb-bonus";
import { vpoReferenceRule, vpoRule } from "./vpo";
import { xpoRule } from "./xpo";

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
  "ucb-bonus",
  "vpo",
  "vpo-reference",
  "apo",
  "entropy-width",
] as const;

export type ExplorationName = (typeof EXPLORATION_NAMES)[number];

/** The built-in rule of this name; `bestOfN` is best-vs-worst's n and the candidates per prompt of APO and entropy × width on sequences. */
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
    case "ucb-bonus":
      return ucbBonusRule;
    case "vpo":
      return vpoRule;
    case "vpo-reference":
      return vpoReferenceRule;
    case "apo":
      return apoRuleWith(options.bestOfN ?? 8);
    case "entropy-width":
      return entropyWidthRuleWith(options.bestOfN ?? 8);
  }
}

/** Why the built-in rule cannot run on this kind of environment, or null (the UCB bonus is not Markov on sequences). */
export function explorationUnsupported(name: ExplorationName, kind: "finite" | "sequence"): string | null {
  return name === "ucb-bonus" && kind === "sequence" ? UCB_BONUS_FINITE_ONLY : null;
}
