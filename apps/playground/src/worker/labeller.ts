// "Be the labeller": a step of the labeller's loop (labeller-loop.ts) on testbed T with the person's clicks so far,
// scored exactly, beside the same loop answered by the hidden r*.
import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import {
  bigramReward,
  estimationError,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  linearSequenceGibbs,
} from "@gsh/preference";
import { type TextInstance, evaluateGibbsPolicy } from "@gsh/testbeds";
import { sentenceSamples } from "../../../../packages/bench/src/text-samples";
import type { LabelSpec, LabelState, PairToLabel } from "../protocol";
import { testbedT } from "../shims/testbed-t-browser";
import { type Answer, runLabellerRounds } from "./labeller-loop";
import { type LabellerPrior, labellerPrior } from "./labeller-model";
import { ensureTextAsset } from "./text-asset";

const priors = new WeakMap<TextInstance, LabellerPrior>();

function runRounds(
  instance: TextInstance,
  spec: LabelSpec,
  rounds: number,
  answered: number,
  who: string,
  answer: Answer,
) {
  let prior = priors.get(instance);
  if (!prior) priors.set(instance, (prior = labellerPrior(instance.problem)));
  return runLabellerRounds(instance, prior, spec, rounds, answered, who, answer);
}

const history: LabelState["history"][number][] = [];

const suboptOf = (instance: TextInstance, theta: Float64Array) =>
  evaluateGibbsPolicy(instance.problem, instance.truth, linearSequenceGibbs(instance.problem, theta)).subopt;

export async function labelStep(spec: LabelSpec, labels: readonly (0 | 1 | 0.5)[]): Promise<LabelState> {
  await ensureTextAsset();
  const t = testbedT(spec.seed);
  if (E.isLeft(t)) throw new Error(t.left._tag);
  const instance = t.right;
  const { problem } = instance;
  const m = spec.batchSize;
  const done = Math.floor(labels.length / m);
  const usable = labels.slice(0, done * m);
  // done + 1 rounds: the last one plans on every label (θ̂, Σ) and draws the next batch.
  const run = runRounds(instance, spec, done + 1, done * m, "you", (i) => usable[i]);
  const { asked } = run;
  const pending: PairToLabel[] = asked.slice(done * m).map((p, k) => ({
    index: done * m + k,
    prompt: instance.promptWords[p.x],
    a: instance.decode(p.x, p.a),
    b: instance.decode(p.x, p.b),
    tokens: [Array.from(p.a), Array.from(p.b)],
    x: p.x,
  }));
  const V = problem.vocab;
  const pi0 = factoredGibbsPolicy(problem, new Float64Array((V + 1) * V));
  const referenceSubopt = evaluateGibbsPolicy(problem, instance.truth, pi0).subopt;
  let yourSubopt: number | null = null;
  let optimumUnderYours: number | null = null;
  let oracleSubopt: number | null = null;
  let samples: string[] = [];
  let positiveWords: LabelState["positiveWords"] = null;
  if (done > 0) {
    yourSubopt = suboptOf(instance, run.theta);
    // the other direction: π* scored by the reward fitted to your clicks, against that reward's own optimum (your policy)
    const yours = linearSequenceGibbs(problem, run.theta);
    optimumUnderYours = evaluateGibbsPolicy(
      problem,
      { bigram: bigramReward(problem, run.theta), logZ: yours.logZ },
      instance.truth.optimalGibbs,
    ).subopt;
    // The same rule, seed and number of labels, answered by the hidden r* (Bradley-Terry): what r* would give.
    const truthOracle = instance.makeOracle(Rng.seeded(spec.seed).split("oracle"));
    const truthRun = runRounds(instance, spec, done + 1, done * m, "r*", (_i, p) => truthOracle.query(p.x, p.a, p.b));
    oracleSubopt = suboptOf(instance, truthRun.theta);
    const s = sentenceSamples(instance, gibbsSequencePolicy(linearSequenceGibbs(problem, run.theta)));
    samples = (s?.policy ?? []).slice(0, 5).map((p) => p.text);
    if (s?.expected)
      positiveWords = {
        reference: s.expected.reference.positiveWords,
        yours: s.expected.policy?.positiveWords ?? null,
        optimal: s.expected.optimal.positiveWords,
      };
    while (history.length && history[history.length - 1].labels >= done * m) history.pop();
    history.push({ labels: done * m, yours: yourSubopt, oracle: oracleSubopt });
  } else history.length = 0;
  return {
    labels: done * m,
    pending,
    referenceSubopt,
    yourSubopt,
    oracleSubopt,
    optimumUnderYours,
    estimationError: done > 0 ? estimationError(run.sigma, run.theta, instance.truth.theta) : null,
    beta: done > 0 ? run.beta : null,
    thetaHat: done > 0 ? Array.from(run.theta) : null,
    thetaStar: Array.from(instance.truth.theta),
    samples,
    positiveWords,
    history: [...history],
  };
}
