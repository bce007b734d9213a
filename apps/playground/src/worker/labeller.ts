// "Be the labeller": online GSHF on testbed T with the person as the preference oracle. A click cannot answer a
// synchronous oracle call, so each step replays the run from its seed with the labels given so far: the pairs of a
// round depend on the seed and the labels of earlier rounds only (the rule plans a round before its first query),
// so the replay asks the same pairs again, and the next round's pairs are read off the replay's last round, whose
// answers are not used. The replay checks that every labelled pair comes back unchanged.
import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import {
  bigramReward,
  estimationError,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  linearSequenceGibbs,
  resolveBeta,
  type SequenceOracle,
} from "@gsh/preference";
import { type ExplorationRule, type PairPlan, explorationRule, onlineGshf } from "@gsh/online";
import { type TextInstance, evaluateGibbsPolicy } from "@gsh/testbeds";
import { sentenceSamples } from "../../../../packages/bench/src/text-samples";
import type { LabelSpec, LabelState, PairToLabel } from "../protocol";
import { testbedT } from "../shims/testbed-t-browser";
import { ensureTextAsset } from "./text-asset";

const LAMBDA = 1;
const RULES = { enhancer: "enhancer", "posterior-sampling": "posterior-laplace", uniform: "uniform" } as const;

/** The mismatch a replay would show if a round's pairs depended on its own answers (it must not happen). */
class ReplayDiverged extends Error {}

interface Asked {
  x: number;
  a: Int32Array;
  b: Int32Array;
}

/** The label of query i: the person's (a tie is a fair coin, seeded), or 1 for a query not answered yet. */
function replayOracle(
  spec: LabelSpec,
  labels: readonly (0 | 1 | 0.5)[],
  asked: Asked[],
  before: readonly Asked[],
  answers: (0 | 1)[],
) {
  let queries = 0;
  const oracle: SequenceOracle = {
    query(x, y1, y2) {
      const i = queries++;
      const a = Int32Array.from(y1),
        b = Int32Array.from(y2);
      const prev = before[i];
      if (prev && (prev.x !== x || prev.a.join() !== a.join() || prev.b.join() !== b.join()))
        throw new ReplayDiverged(`the replay asked another pair at label ${i + 1}`);
      asked.push({ x, a, b });
      const l = labels[i];
      const answer: 0 | 1 =
        l === undefined ? 1 : l === 0.5 ? (Rng.seeded(spec.seed).split(`tie/${i}`).uniform() < 0.5 ? 1 : 0) : l;
      answers.push(answer);
      return answer;
    },
    get queries() {
      return queries;
    },
  };
  return oracle;
}

/**
 * A round's plan is a function of the seed, the rule and the answers before the round (its random stream is a split
 * keyed by name, which depends on nothing else), so a replay reuses the plans it made before: each step computes one
 * new plan per run instead of one per round (the enhancer's costs seconds on T). Keyed by the answers given so far.
 */
const plans = new Map<string, PairPlan<unknown>>();
const PLANS_KEPT = 64;

/** Online GSHF for `rounds` rounds of `batchSize`, capturing θ̂ and Σ at the last round's plan (fit on the rounds before). */
function runRounds(
  instance: TextInstance,
  spec: LabelSpec,
  rounds: number,
  oracle: SequenceOracle,
  answers: readonly (0 | 1)[],
) {
  const inner = explorationRule(RULES[spec.exploration]);
  const seen: { theta: Float64Array; sigma: Float64Array } = { theta: new Float64Array(0), sigma: new Float64Array(0) };
  const rule: ExplorationRule = (state) => {
    seen.theta = Float64Array.from(state.theta);
    seen.sigma = Float64Array.from(state.covariance.matrix);
    const key = `${spec.seed}|${spec.exploration}|${spec.batchSize}|${answers.join("")}`;
    let plan = plans.get(key);
    if (!plan) {
      if (plans.size >= PLANS_KEPT) plans.delete(plans.keys().next().value!);
      plans.set(key, (plan = inner(state) as PairPlan<unknown>));
    }
    return plan as never;
  };
  const beta = resolveBeta("sqrt-d", instance.problem, LAMBDA);
  const r = onlineGshf(instance.problem, oracle, Rng.seeded(spec.seed).split("labeller"), {
    iterations: rounds,
    batchSize: spec.batchSize,
    beta,
    lambda: LAMBDA,
    exploration: rule,
  });
  if (E.isLeft(r)) throw new Error(`${r.left._tag}: ${"message" in r.left ? r.left.message : ""}`);
  return { ...seen, beta };
}

const history: LabelState["history"][number][] = [];
let lastAsked: Asked[] = [];

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
  // One replay of done + 1 rounds: its last round plans on the labelled data (θ̂, Σ) and draws the next batch.
  const asked: Asked[] = [];
  const before = labels.length === 0 ? [] : lastAsked;
  const answers: (0 | 1)[] = [];
  const run = runRounds(instance, spec, done + 1, replayOracle(spec, usable, asked, before, answers), answers);
  lastAsked = asked;
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
    const truthAnswers: (0 | 1)[] = [];
    const truthRun = runRounds(
      instance,
      spec,
      done + 1,
      {
        // the last round's answers are not used (its plan, fitted on the done·m labels, is what is scored)
        query: (x, y1, y2) => {
          const answer = truthAnswers.length < done * m ? truthOracle.query(x, y1, y2) : 1;
          truthAnswers.push(answer);
          return answer;
        },
        get queries() {
          return truthAnswers.length;
        },
      },
      truthAnswers,
    );
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
