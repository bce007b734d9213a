import type { UserPolicy } from "./policy";
import type { UserProblem } from "./problem";

/** What a policy does at one prompt, or over prompts weighted by d0. */
export interface PolicyStats {
  /** E_π[r̂]: the expected fitted reward. */
  readonly expectedReward: number;
  /** E_π0[r̂]: the same for the reference policy, for comparison. */
  readonly referenceReward: number;
  /** KL(π‖π0) = Σ π log(π/π0), in nats. */
  readonly kl: number;
  /** E_π[bonus] = E_π[r̂] − E_π[r̂ − bonus]: how much the pessimism discounts the policy's fitted reward. */
  readonly pessimisticMargin: number;
  /** E_π[r̂] − η·KL(π‖π0): the KL-regularised objective under the fitted reward. */
  readonly objective: number;
}

export interface PolicySummary {
  readonly perPrompt: readonly ({ readonly prompt: string } & PolicyStats)[];
  /** The per-prompt figures averaged under d0 (the prompts' weights). */
  readonly overall: PolicyStats;
}

/** Expected fitted reward, KL(π‖π0), pessimistic margin and objective, per prompt and overall (d0-weighted). */
export function policySummary(p: UserProblem, policy: UserPolicy, eta: number): PolicySummary {
  const perPrompt: PolicySummary["perPrompt"][number][] = [];
  const total = { expectedReward: 0, referenceReward: 0, kl: 0, pessimisticMargin: 0, objective: 0 };
  let row = 0;
  for (let x = 0; x < p.prompts.length; x++) {
    let er = 0,
      rr = 0,
      kl = 0,
      margin = 0;
    for (let c = p.promptStart[x]; c < p.promptStart[x + 1]; c++, row++) {
      const r = policy.rows[row];
      er += r.probability * r.reward;
      rr += r.reference * r.reward;
      margin += r.probability * r.bonus;
      if (r.probability > 0) kl += r.probability * Math.log(r.probability / r.reference);
    }
    const stats = { expectedReward: er, referenceReward: rr, kl, pessimisticMargin: margin, objective: er - eta * kl };
    perPrompt.push({ prompt: p.prompts[x], ...stats });
    const w = p.promptWeights[x];
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += w * stats[k];
  }
  return { perPrompt, overall: total };
}
