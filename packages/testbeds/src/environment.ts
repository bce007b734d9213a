import type { BanditInstance } from "./bandit/truth";
import type { NonTransitiveInstance } from "./bandit/non-transitive";
import type { SequenceInstance } from "./sequence/instance";

/**
 * One environment instance, tagged by kind, so that a runner dispatches the learner's view and the metrics computed
 * at the environment boundary on the tag:
 * - `bandit`: finite actions, a linear (or misspecified) r*, scored by exact J, SubOpt and KL;
 * - `sequence`: responses over Vᴸ token sequences (π0 Markov), scored by the DP (or by enumeration / Monte Carlo);
 * - `non-transitive`: finite actions without any r*, scored by win rates against π0 and π0's most likely action.
 */
export type EnvironmentInstance =
  | { readonly kind: "bandit"; readonly instance: BanditInstance }
  | { readonly kind: "sequence"; readonly instance: SequenceInstance }
  | { readonly kind: "non-transitive"; readonly instance: NonTransitiveInstance };
