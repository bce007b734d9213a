import * as E from "fp-ts/lib/Either";
import { AliasTable, type GshError, type Rng, invalidArgument, rowSamplers, softmaxInto } from "@gsh/core";
import { Covariance, finiteGibbsFamily } from "@gsh/preference";
import { enhancer, type EnhancerOptions, laplacePosteriorSampler } from "@gsh/online";
import { AskablePairs } from "./askable-pairs";
import { banditView } from "./bandit-view";
import type { UserFit } from "./fit";
import { type UserProblem, candidateMargin } from "./problem";

/** Draws per requested pair before giving up (policies that almost never propose two different candidates). */
const MAX_DRAWS = 100;

/** The largest batch `suggestPairs` takes (a batch is held in memory; more is a typed error, not an out-of-memory). */
export const MAX_BATCH = 100_000;

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
  /** Allow pairs the file already labels, and repeats within the batch (default false: never re-ask). */
  readonly allowRelabel?: boolean;
  /**
   * How the batch spreads over prompts (see `AskablePairs`): "even" (default) caps each prompt at
   * ⌈m / prompts with pairs left⌉, raised only when the batch cannot fill otherwise; "d0" leaves prompts to the rule.
   */
  readonly spread?: "even" | "d0";
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
  /** Distinct pairs of candidates of one prompt the file leaves unlabelled (what can be asked without relabelling). */
  readonly unlabelled: number;
  /** The largest number of pairs one prompt got ("even" spread), or null ("d0"). */
  readonly perPromptCap: number | null;
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
 * Pairs the file labels are never asked, nor one pair twice in the batch, unless `allowRelabel` (see
 * `AskablePairs`): the enhancer's and Thompson's draws are conditioned on being askable. The batch is spread over
 * prompts by `spread`. Fewer than m pairs come back only when fewer are left to ask (`unlabelled` says how many the
 * file leaves), or, with relabelling allowed, when 100·m draws gave fewer pairs of two different candidates.
 */
export function suggestPairs(p: UserProblem, fit: UserFit, options: SuggestOptions): E.Either<GshError, Suggestion> {
  const { batch: m, rule, eta, rng } = options;
  if (!(Number.isInteger(m) && m >= 1 && m <= MAX_BATCH))
    return E.left(invalidArgument("batch", `must be an integer in [1, ${MAX_BATCH}], got ${m}`));
  const spread = options.spread ?? "even";
  if (spread !== "even" && spread !== "d0")
    return E.left(invalidArgument("spread", `must be "even" or "d0", got ${String(spread)}`));
  if (!(eta > 0 && Number.isFinite(eta)))
    return E.left(invalidArgument("eta", `must be a finite number > 0, got ${eta}`));
  if (fit.dim !== p.dim || fit.theta.length !== p.dim)
    return E.left(
      invalidArgument("model", `the model has dimension ${fit.dim} (θ of ${fit.theta.length}), the data ${p.dim}`),
    );
  const ask = new AskablePairs(p, m, options.allowRelabel ?? false, spread);
  const done = (s: Omit<Suggestion, "unlabelled" | "perPromptCap">): Suggestion => {
    let most = 0;
    for (const c of ask.count) most = Math.max(most, c);
    return { ...s, unlabelled: ask.unlabelled, perPromptCap: spread === "even" ? most : null };
  };
  switch (rule) {
    case "enhancer": {
      const r = suggestByEnhancer(p, fit, options, ask);
      return E.isLeft(r) ? r : E.right(done(r.right));
    }
    case "thompson":
      return E.right(done(suggestByThompson(p, fit, m, eta, rng, ask, options.allowRelabel ?? false)));
    case "uncertainty":
      return E.right(done(suggestByUncertainty(p, fit, m, options.candidatesPerPrompt ?? 64, rng, ask)));
    default:
      return E.left(invalidArgument("rule", `must be enhancer, uncertainty or thompson, got ${String(rule)}`));
  }
}

type Draft = Omit<Suggestion, "unlabelled" | "perPromptCap">;

/**
 * Draws up to m pairs: a prompt from d0 (restricted to prompts the spread allows), a¹ and a² from the rule's two
 * rows at that prompt, the draw conditioned on being askable when it is not. With relabelling allowed, a draw of a
 * candidate with itself is skipped and the next draw used, as the online loop does.
 */
function drawPairs(
  p: UserProblem,
  fit: UserFit,
  m: number,
  draw: Rng,
  ask: AskablePairs,
  allowRelabel: boolean,
  rows: (x: number, r: Rng) => { a1: number; a2: number; row1: ArrayLike<number>; row2: ArrayLike<number> },
): SuggestedPair[] {
  const contexts = new AliasTable(p.promptWeights);
  const pairs: SuggestedPair[] = [];
  for (let tries = 0; pairs.length < m && tries < MAX_DRAWS * m && ask.open(); tries++) {
    const x = ask.prompt(contexts.sample(draw), p.promptWeights, draw);
    const r = rows(x, draw);
    if (allowRelabel && r.a1 === r.a2) continue; // a response against itself teaches nothing: the next draw is used
    const [a1, a2] = ask.pair(x, r.a1, r.a2, r.row1, r.row2, draw);
    const c1 = p.promptStart[x] + a1;
    const c2 = p.promptStart[x] + a2;
    ask.take(c1, c2);
    pairs.push({
      prompt: p.prompts[x],
      first: p.candidates[c1],
      second: p.candidates[c2],
      predicted: predicted(p, fit.theta, c1, c2),
    });
  }
  return pairs;
}

function suggestByEnhancer(
  p: UserProblem,
  fit: UserFit,
  o: SuggestOptions,
  ask: AskablePairs,
): E.Either<GshError, Draft> {
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
  const A = bandit.actions;
  const enhanced = family.policyOf(e.theta).probs;
  const first = rowSamplers(main.probs, bandit.contexts, A);
  const second = rowSamplers(enhanced, bandit.contexts, A);
  const pairs = drawPairs(p, fit, o.batch, o.rng.split("pairs"), ask, o.allowRelabel ?? false, (x, r) => ({
    a1: first[x].sample(r),
    a2: second[x].sample(r),
    row1: main.probs.subarray(x * A, (x + 1) * A),
    row2: enhanced.subarray(x * A, (x + 1) * A),
  }));
  return E.right({
    rule: "enhancer",
    pairs,
    enhancer: { theta: e.theta, gamma: e.gamma, klToMain: e.klToMain },
    beta,
  });
}

/** Draws from the fit's Laplace posterior N(θ̂, H⁻¹) (online's `laplacePosteriorSampler`, shared by the rules). */
export const laplaceSampler = (fit: UserFit): ((rng: Rng) => Float64Array) =>
  laplacePosteriorSampler(fit.theta, fit.hessian);

/** Gibbs(θ) over prompt x's candidates: π0·exp(<θ, φ>/η), normalised. */
function gibbsRow(p: UserProblem, theta: Float64Array, x: number, eta: number): Float64Array {
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
  return row;
}

function suggestByThompson(
  p: UserProblem,
  fit: UserFit,
  m: number,
  eta: number,
  rng: Rng,
  ask: AskablePairs,
  allowRelabel: boolean,
): Draft {
  const posterior = laplaceSampler(fit);
  const pairs = drawPairs(p, fit, m, rng.split("pairs"), ask, allowRelabel, (x, r) => {
    const row1 = gibbsRow(p, posterior(r), x, eta);
    const a1 = new AliasTable(row1).sample(r);
    const row2 = gibbsRow(p, posterior(r), x, eta);
    return { a1, a2: new AliasTable(row2).sample(r), row1, row2 };
  });
  return { rule: "thompson", pairs };
}

function suggestByUncertainty(
  p: UserProblem,
  fit: UserFit,
  m: number,
  perPrompt: number,
  rng: Rng,
  ask: AskablePairs,
): Draft {
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
        if (!ask.askable(a, b)) continue;
        for (let k = 0; k < d; k++) z[k] = p.features[a * d + k] - p.features[b * d + k];
        const q = predicted(p, fit.theta, a, b);
        const entropy = q > 0 && q < 1 ? -(q * Math.log(q) + (1 - q) * Math.log(1 - q)) : 0;
        scored.push({ score: entropy * H.norm(z), a, b, x });
      }
  }
  // Highest score first; equal scores keep enumeration order (prompt, then candidate order), so the batch is seeded.
  scored.sort((u, v) => v.score - u.score);
  // The highest-scoring askable pairs in order, each taken while its prompt is under the spread's cap; passes repeat
  // (the cap rising) until the batch is full or nothing is left.
  const taken = new Uint8Array(scored.length);
  const pairs: SuggestedPair[] = [];
  while (pairs.length < m && pairs.length < scored.length && ask.open()) {
    const before = pairs.length;
    for (let i = 0; i < scored.length && pairs.length < m; i++) {
      const s = scored[i];
      if (taken[i] || !ask.eligible(s.x)) continue;
      taken[i] = 1;
      ask.take(s.a, s.b);
      pairs.push({
        prompt: p.prompts[s.x],
        first: p.candidates[s.a],
        second: p.candidates[s.b],
        predicted: predicted(p, fit.theta, s.a, s.b),
      });
    }
    // Nothing taken though the cap no longer binds: what is left to ask lies outside the sampled candidates.
    if (pairs.length === before && ask.cap >= m) break;
  }
  return { rule: "uncertainty", pairs };
}
