// The labeller's loop: online GSHF on a sequence testbed with whoever answers (a person's stored clicks, the hidden r*'s
// oracle). Each round the reward model is fitted to every label so far (labeller-model.ts), and the exploration rule
// plans the round's pairs from θ̂, its precision and the design Σ, as in @gsh/online's loop. A round's pairs depend on
// the seed and the earlier rounds' labels only, so a caller reruns the loop over the labels given so far (fits are
// cheap on T; the rules' plans, seconds for the enhancer, are kept).
import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import { resolveBeta, sequenceFeatures } from "@gsh/preference";
import { type PairPlan, type ResponseSampler, explorationRule, sequenceWorld } from "@gsh/online";
import type { TextInstance } from "@gsh/testbeds";
import { type LabelledPair, type LabellerPrior, designCovariance, fitLabels } from "./labeller-model";

export const LABELLER_RULES = {
  enhancer: "enhancer",
  "posterior-sampling": "posterior-laplace",
  uniform: "uniform",
} as const;

export interface LoopSpec {
  readonly seed: number;
  readonly exploration: keyof typeof LABELLER_RULES;
  readonly batchSize: number;
}

export interface Asked {
  readonly x: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
}

/** Who answers pair i (asked in order): 1 prefers a, 0 prefers b, ½ is a tie. */
export type Answer = (i: number, pair: Asked) => 0 | 1 | 0.5;

/** The rules' plans by who answers, seed, rule, batch size, prior and the labels before the round (a plan is a function of these). */
const plans = new Map<string, PairPlan<Int32Array>>();
const PLANS_KEPT = 64;

/**
 * `rounds` rounds of `batchSize` pairs, of which the first `answered` get labels from `answer`. Returns every pair
 * asked and the fit the last round planned on (all labels), with its design covariance and β.
 */
export function runLabellerRounds(
  instance: TextInstance,
  prior: LabellerPrior,
  spec: LoopSpec,
  rounds: number,
  answered: number,
  who: string,
  answer: Answer,
) {
  const { problem } = instance;
  const world = sequenceWorld(problem);
  const rule = explorationRule(LABELLER_RULES[spec.exploration]);
  const beta = resolveBeta("sqrt-d", problem, prior.lambda);
  const rng = Rng.seeded(spec.seed).split("labeller");
  const asked: Asked[] = [];
  const pairs: LabelledPair[] = [];
  const labels: (0 | 1 | 0.5)[] = [];
  const fitted = () => {
    const f = fitLabels(prior, pairs);
    if (E.isLeft(f)) throw new Error(`${f.left._tag}: ${"message" in f.left ? f.left.message : ""}`);
    return { ...f.right, covariance: designCovariance(prior, pairs) };
  };
  let final: ReturnType<typeof fitted> | null = null;
  for (let t = 0; t < rounds; t++) {
    const roundRng = rng.split(`round/${t}`);
    const key = `${who}|${spec.seed}|${spec.exploration}|${spec.batchSize}|${prior.lambda}|${prior.live.join()}|${labels.join("")}`;
    let plan = plans.get(key);
    // a kept plan needs no fit, except in the last round, whose fit is what the caller scores
    const fit = !plan || t === rounds - 1 ? fitted() : null;
    if (t === rounds - 1) final = fit;
    if (!plan) {
      if (plans.size >= PLANS_KEPT) plans.delete(plans.keys().next().value!);
      const { theta, precision, covariance } = fit!;
      let main: ResponseSampler<Int32Array> | null = null;
      plan = rule({
        world,
        theta,
        // built on first use: the uniform rule never draws from the main agent
        main: { draw: (x, r, into) => (main ??= world.member(theta)).draw(x, r, into) },
        covariance,
        beta,
        rng: roundRng.split("rule"),
        hessian: () => precision,
      });
      plans.set(key, plan);
    }
    const draw = roundRng.split("pairs");
    for (let i = 0; i < spec.batchSize; i++) {
      const x = plan.context ? plan.context(draw) : draw.categorical(problem.contextWeights);
      const [a, b] = plan.sample(x, draw);
      const pair = { x, a: Int32Array.from(a), b: Int32Array.from(b) };
      asked.push(pair);
      if (asked.length <= answered) {
        const label = answer(asked.length - 1, pair);
        labels.push(label);
        pairs.push({
          first: sequenceFeatures(problem, pair.a, new Float64Array(problem.dim)),
          second: sequenceFeatures(problem, pair.b, new Float64Array(problem.dim)),
          label,
        });
      }
    }
  }
  if (!final) throw new RangeError(`the labeller runs at least one round, got ${rounds}`);
  return { asked, theta: final.theta, sigma: final.covariance.matrix, beta };
}
