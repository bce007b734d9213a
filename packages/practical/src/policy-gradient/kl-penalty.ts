// The KL term of a policy-gradient objective, as practitioners configure it: which per-sample estimator of
// KL(π‖π0) (Schulman's k1, k2, k3 of the log-ratio l = log π/π0 at a sample y ~ π), computed per sequence or per
// token, and where it goes: folded into the reward (a stop-gradient penalty) or added to the loss (differentiated).
// core's `klTerms` estimates the KL from samples; here each estimator is a function of l with its derivative,
// which is what a loss differentiates.

/** Schulman's estimators: k1 = l, k2 = l²/2, k3 = e^{−l} − 1 + l, with l = log π(y)/π0(y). */
export const KL_ESTIMATOR_NAMES = ["k1", "k2", "k3"] as const;
export type KlEstimator = (typeof KL_ESTIMATOR_NAMES)[number];
/** Where the estimate enters: the reward (stop-gradient) or the loss (differentiated). */
export const KL_PLACEMENTS = ["reward", "loss"] as const;
export type KlPlacement = (typeof KL_PLACEMENTS)[number];
/** Over what the log-ratio is taken: the whole response, or each token (summed over tokens). */
export const KL_GRANULARITIES = ["sequence", "token"] as const;
export type KlGranularity = (typeof KL_GRANULARITIES)[number];

/** One KL configuration. `coefficient` is η_train ≥ 0 (0: no KL term), separate from the environment's η. */
export interface KlConfig {
  readonly coefficient: number;
  readonly estimator: KlEstimator;
  readonly granularity: KlGranularity;
  readonly placement: KlPlacement;
}

/** The estimator's value at log-ratio l. */
export function klValue(estimator: KlEstimator, l: number): number {
  if (estimator === "k1") return l;
  if (estimator === "k2") return 0.5 * l * l;
  return Math.exp(-l) - 1 + l;
}

/** d k(l)/d l: what multiplies ∇l = ∇log π when the estimator is differentiated in the loss. */
export function klSlope(estimator: KlEstimator, l: number): number {
  if (estimator === "k1") return 1;
  if (estimator === "k2") return l;
  return 1 - Math.exp(-l);
}

/** Short label, e.g. "k3-loss/token η_t=0.1". */
export const klLabel = (c: KlConfig): string =>
  c.coefficient === 0 ? "no KL" : `${c.estimator}-${c.placement}/${c.granularity} η_t=${c.coefficient}`;

/**
 * Which objective the configuration's expected update is the gradient of, where that is known (the audit's claims,
 * each checked by a test against ∇ of the named objective): at η_t = 0 or with k1 in the loss the KL term vanishes in
 * expectation, so the update ascends E r alone; k1 in the reward, and k2 differentiated per sequence, ascend
 * E r − η_t·KL(π‖π0); k3 differentiated per sequence ascends E r − η_t·KL(π0‖π) (the forward KL). Per-token
 * k2/k3 in the loss on sequences ignore how a token changes the later states, so they are the gradient of neither;
 * k2/k3 in the reward are stop-gradient penalties whose expected update is not a gradient of a named objective.
 */
export function klObjective(c: KlConfig, hasTokens: boolean): string {
  if (c.coefficient === 0) return "E r (no KL)";
  const perSequence = c.granularity === "sequence" || !hasTokens;
  if (c.estimator === "k1") return c.placement === "loss" ? "E r (k1 in the loss vanishes)" : "E r − η_t·KL(π‖π0)";
  if (c.placement === "reward") return "unnamed (penalty not log-linear in π)";
  if (!perSequence) return "unnamed (per-token estimator ignores later states)";
  return c.estimator === "k2" ? "E r − η_t·KL(π‖π0)" : "E r − η_t·KL(π0‖π)";
}
