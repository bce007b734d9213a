import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, type Rng, invalidArgument, rowSamplers, softmaxInto } from "@gsh/core";
import { Covariance, finiteGibbsFamily } from "@gsh/preference";
import { enhancer, type EnhancerOptions, laplacePosteriorSampler } from "@gsh/online";
import { banditView } from "./bandit-view";
import type { UserFit } from "./fit";
import { type UserProblem, candidateMargin } from "./problem";

/** Draws per requested pair before giving up (policies that almost never propose two different candidates). */
const MAX_DRAWS = 100;

export type SuggestRule = "enhancer" | "uncertainty" | "thompson";

export interface SuggestOptions {
  readonly batch: number;
  readonly rule: SuggestRule;
  /** η of the Gibbs policies that propose candidates (enhancer and thompson). */
  readonly eta: number;
  /** The enhancer's confidence width β (default √d, the suites' fixed choice). */
  readonly beta?: number;
  readonly enhancer?: EnhancerOptions;
  /** uncertainty: candidates per prompt compared pairwise (a seeded sample when a prompt has more; default 64). */
  readonly candidatesPerPrompt?: number;
  readonly rng: Rng;
}

/** A pair to label. The labeller answers with which of first/second is preferred. */
export interface SuggestedPair {
  readonly prompt: string;
  readonly first: string;
  readonly second: string;
  /** σ(<θ̂, φ(first) − φ(second)>): the fitted model's probability that first is preferred. */
  readonly predicted: number;
}

export interface Suggestion {
  readonly rule: SuggestRule;
  readonly pairs: readonly SuggestedPair[];
  /** The enhancer's parameter and Γ(π¹, π²) (enhancer rule only). */
  readonly enhancer?: { readonly theta: Float64Array; readonly gamma: number; readonly klToMain: number };
  readonly beta?: number;
}

function predicted(p: UserProblem, theta: Float64Array, a: number, b: number): number {
  return 1 / (1 + Math.exp(-candidateMargin(p, theta, a, b)));
}

/**
 * The next m pairs to label, by one of three rules:
 * - `enhancer` (online GSHF, spec §4): prompts from d0, a¹ from the main agent π¹ = Gibbs(θ̂), a² from the enhancer
 *   π² that maximizes the uncertainty Γ(π¹, π') = β‖E φ(π¹) − E φ(π')‖_{Σ_D⁻¹} within its KL budget. Exactly the
 *   online loop's round: `rng` plays the role of that round's stream (`split("rule")`, `split("pairs")`).
 * - `thompson` (posterior sampling for Bradley-Terry): per pair, two draws θ₁, θ₂ from the Laplace posterior
 *   N(θ̂, H⁻¹), H the Hessian of the penalized loss at θ̂; a¹ ~ Gibbs(θ₁), a² ~ Gibbs(θ₂) at a prompt from d0.
 * - `uncertainty` (active preference learning): among the pairs of each prompt's candidates (a seeded sample of
 *   `candidatesPerPrompt` when it has more), the m distinct pairs of largest predictive entropy × epistemic
 *   width, H(σ(<θ̂, z>))·‖z‖_{H⁻¹}.
 * A drawn pair of a candidate with itself is skipped (the next draw is used), so fewer than m pairs come back only
 * when 100·m draws gave fewer distinct pairs, or a prompt set has fewer pairs than m (uncertainty).
 */
export function suggestPairs(p: UserProblem, fit: UserFit, options: SuggestOptions): E.Either<GshError, Suggestion> {
  const { batch: m, rule, eta, rng } = options;
  if (!(Number.isInteger(m) && m >= 1)) return E.left(invalidArgument("batch", `must be an integer ≥ 1, got ${m}`));
  if (!(eta > 0 && Number.isFinite(eta)))
    return E.left(invalidArgument("eta", `must be a finite number > 0, got ${eta}`));
  if (fit.dim !== p.dim || fit.theta.length !== p.dim)
    return E.left(
      invalidArgument("model", `the model has dimension ${fit.dim} (θ of ${fit.theta.length}), the data ${p.dim}`),
    );
  switch (rule) {
    case "enhancer":
      return suggestByEnhancer(p, fit, options);
    case "thompson":
      return E.right(suggestByThompson(p, fit, m, eta, rng));
    case "uncertainty":
      return E.right(suggestByUncertainty(p, fit, m, options.candidatesPerPrompt ?? 64, rng));
    default:
      return E.left(invalidArgument("rule", `must be enhancer, uncertainty or thompson, got ${String(rule)}`));
  }
}

function suggestByEnhancer(p: UserProblem, fit: UserFit, o: SuggestOptions): E.Either<GshError, Suggestion> {
  const beta = o.beta ?? Math.sqrt(p.dim);
  if (!(beta >= 0 && Number.isFinite(beta)))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${beta}`));
  const bandit = banditView(p, o.eta);
  const family = finiteGibbsFamily(bandit);
  const main = family.policyOf(fit.theta);
  const covariance = Covariance.fromMatrix(p.dim, fit.lambda, 1, fit.designCovariance, fit.pairs);
  // The online loop's enhancer rule, step for step: the enhancer on the rule's stream, then a¹ ~ π¹, a² ~ π² per
  // prompt drawn from d0 on the pairs' stream (the test holds this to an online round).
  const e = enhancer(family, fit.theta, covariance, beta, o.rng.split("rule").split("enhancer"), o.enhancer);
  const first = rowSamplers(main.probs, bandit.contexts, bandit.actions);
  const second = rowSamplers(family.policyOf(e.theta).probs, bandit.contexts, bandit.actions);
  const plan = { sample: (x: number, r: Rng): [number, number] => [first[x].sample(r), second[x].sample(r)] };
  const enhancerOut = { theta: e.theta, gamma: e.gamma, klToMain: e.klToMain };
  const contexts = new AliasTable(bandit.contextWeights);
  const draw = o.rng.split("pairs");
  const pairs: SuggestedPair[] = [];
  for (let tries = 0; pairs.length < o.batch && tries < MAX_DRAWS * o.batch; tries++) {
    const x = contexts.sample(draw);
    const [a1, a2] = plan.sample(x, draw);
    const c1 = p.promptStart[x] + a1;
    const c2 = p.promptStart[x] + a2;
    if (c1 === c2) continue; // a response against itself teaches nothing: skipped, the next draw is used
    pairs.push({
      prompt: p.prompts[x],
      first: p.candidates[c1],
      second: p.candidates[c2],
      predicted: predicted(p, fit.theta, c1, c2),
    });
  }
  return E.right({ rule: "enhancer", pairs, enhancer: enhancerOut, beta });
}

/** Draws from the fit's Laplace posterior N(θ̂, H⁻¹) (online's `laplacePosteriorSampler`, shared by the rules). */
export const laplaceSampler = (fit: UserFit): ((rng: Rng) => Float64Array) =>
  laplacePosteriorSampler(fit.theta, fit.hessian);

function sampleGibbsRow(p: UserProblem, theta: Float64Array, x: number, eta: number, rng: Rng): number {
  const s = p.promptStart[x];
  const n = p.promptStart[x + 1] - s;
  const d = p.dim;
  const row = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let r = 0;
    for (let k = 0; k < d; k++) r += theta[k] * p.features[(s + a) * d + k];
    row[a] = p.referenceLogProb[s + a] + r / eta;
  }
  softmaxInto(row, row, 0, n);
  return s + new AliasTable(row).sample(rng);
}

function suggestByThompson(p: UserProblem, fit: UserFit, m: number, eta: number, rng: Rng): Suggestion {
  const posterior = laplaceSampler(fit);
  const contexts = new AliasTable(p.promptWeights);
  const draw = rng.split("pairs");
  const pairs: SuggestedPair[] = [];
  for (let tries = 0; pairs.length < m && tries < MAX_DRAWS * m; tries++) {
    const x = contexts.sample(draw);
    const c1 = sampleGibbsRow(p, posterior(draw), x, eta, draw);
    const c2 = sampleGibbsRow(p, posterior(draw), x, eta, draw);
    if (c1 === c2) continue;
    pairs.push({
      prompt: p.prompts[x],
      first: p.candidates[c1],
      second: p.candidates[c2],
      predicted: predicted(p, fit.theta, c1, c2),
    });
  }
  return { rule: "thompson", pairs };
}

function suggestByUncertainty(p: UserProblem, fit: UserFit, m: number, perPrompt: number, rng: Rng): Suggestion {
  const d = p.dim;
  const H = Covariance.fromMatrix(d, fit.lambda, 1, fit.hessian, fit.pairs);
  const scored: { score: number; a: number; b: number; x: number }[] = [];
  const z = new Float64Array(d);
  const pick = rng.split("candidates");
  for (let x = 0; x < p.prompts.length; x++) {
    let cands = Array.from({ length: p.promptStart[x + 1] - p.promptStart[x] }, (_, i) => p.promptStart[x] + i);
    if (cands.length > perPrompt) cands = pick.shuffle(cands).slice(0, perPrompt);
    for (let i = 0; i < cands.length; i++)
      for (let j = i + 1; j < cands.length; j++) {
        const a = cands[i],
          b = cands[j];
        for (let k = 0; k < d; k++) z[k] = p.features[a * d + k] - p.features[b * d + k];
        const q = predicted(p, fit.theta, a, b);
        const entropy = q > 0 && q < 1 ? -(q * Math.log(q) + (1 - q) * Math.log(1 - q)) : 0;
        scored.push({ score: entropy * H.norm(z), a, b, x });
      }
  }
  // Highest score first; equal scores keep enumeration order (prompt, then candidate order), so the batch is seeded.
  scored.sort((u, v) => v.score - u.score);
  const pairs = scored.slice(0, m).map((s) => ({
    prompt: p.prompts[s.x],
    first: p.candidates[s.a],
    second: p.candidates[s.b],
    predicted: predicted(p, fit.theta, s.a, s.b),
  }));
  return { rule: "uncertainty", pairs };
}
