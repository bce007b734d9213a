// What the labeller's reward model changes: the labeller's loop on T with scripted clicks that follow r* (the higher
// r*, a tie where r* is equal), 20 labels in batches of 5, under the labeller's prior and under gsh's isotropic ridge,
// and the same loop answered by the hidden r*'s Bradley-Terry oracle. Exact SubOpt after each batch.
//   pnpm --filter playground bench:labeller [--seeds 10] [--enhancer-seeds 5] [--rules uniform,posterior-sampling,enhancer]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import { linearSequenceGibbs, sequenceReward } from "@gsh/preference";
import { evaluateGibbsPolicy, textTestbedFromBytes } from "@gsh/testbeds";
import { type Answer, LABELLER_RULES, type LoopSpec, runLabellerRounds } from "../src/worker/labeller-loop";
import { type LabellerPrior, labellerPrior } from "../src/worker/labeller-model";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    "enhancer-seeds": { type: "string", default: "5" },
    rules: { type: "string", default: "uniform,posterior-sampling,enhancer" },
  },
});
const LABELS = 20;
const BATCH = 5;

// the runner bundles this file elsewhere, so it says where the app is
const app = process.env.GSH_PLAYGROUND_DIR ?? process.cwd();
const bytes = readFileSync(join(app, "..", "..", "packages", "text", "assets", "moby-dick-v512.gshtext"));
const t = textTestbedFromBytes(new Uint8Array(bytes));
if (E.isLeft(t)) throw new Error(t.left._tag);
const instance = t.right;
const { problem, truth } = instance;
const d = problem.dim;
const subopt = (theta: Float64Array) => evaluateGibbsPolicy(problem, truth, linearSequenceGibbs(problem, theta)).subopt;
const reference = subopt(new Float64Array(d));
const rstar = (y: Int32Array) => sequenceReward(truth.bigram, problem.vocab, y);

/** A person who follows r*: the higher r* wins; equal r* is a tie, read as ½ or (before) as a seeded fair coin. */
const follower =
  (seed: number, ties: "half" | "coin"): Answer =>
  (i, p) => {
    const gap = rstar(p.a) - rstar(p.b);
    if (Math.abs(gap) > 1e-9) return gap > 0 ? 1 : 0;
    return ties === "half" ? 0.5 : Rng.seeded(seed).split(`tie/${i}`).uniform() < 0.5 ? 1 : 0;
  };

interface Design {
  readonly name: string;
  readonly prior: LabellerPrior;
  readonly answer: (seed: number) => Answer;
}
const designs: Design[] = [
  {
    name: "isotropic λ = 1, ties as a coin (the labeller before)",
    prior: labellerPrior(problem, { shape: "isotropic", lambda: 1 }),
    answer: (s) => follower(s, "coin"),
  },
  {
    name: "isotropic λ = 1, ties ½",
    prior: labellerPrior(problem, { shape: "isotropic", lambda: 1 }),
    answer: (s) => follower(s, "half"),
  },
  {
    name: "isotropic λ = d/B², ties ½",
    prior: labellerPrior(problem, { shape: "isotropic", lambda: d / problem.normBound ** 2 }),
    answer: (s) => follower(s, "half"),
  },
  { name: "π0-shaped λ·Σ0 (the labeller), ties ½", prior: labellerPrior(problem), answer: (s) => follower(s, "half") },
  {
    name: "π0-shaped, labels from r* (Bradley-Terry)",
    prior: labellerPrior(problem),
    answer: (s) => {
      const oracle = instance.makeOracle(Rng.seeded(s).split("oracle"));
      return (_i, p) => oracle.query(p.x, p.a, p.b);
    },
  },
];

const fmt = (v: number) => v.toFixed(4);
console.log(`T (${problem.vocab} tokens, η = ${problem.eta}): SubOpt(π0) = ${fmt(reference)}, π* at 0`);
console.log(
  `| rule | reward model | seeds | mean SubOpt after 5 / 10 / 15 / 20 labels | seeds below π0 at 20 | way to π* at 20 |`,
);
console.log(`|---|---|---|---|---|---|`);
for (const rule of values.rules.split(",") as LoopSpec["exploration"][]) {
  if (!(rule in LABELLER_RULES)) throw new Error(`unknown rule ${rule}`);
  const seeds = Number(rule === "enhancer" ? values["enhancer-seeds"] : values.seeds);
  for (const design of designs) {
    const curves: number[][] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const spec = { seed, exploration: rule, batchSize: BATCH };
      // a fresh answerer per run: r*'s oracle is stateful, and each run asks it the same pairs in the same order
      const curve: number[] = [];
      for (let done = BATCH; done <= LABELS; done += BATCH)
        curve.push(
          subopt(
            runLabellerRounds(instance, design.prior, spec, done / BATCH + 1, done, design.name, design.answer(seed))
              .theta,
          ),
        );
      curves.push(curve);
    }
    const mean = (k: number) => curves.reduce((s, c) => s + c[k], 0) / curves.length;
    const last = mean(curves[0].length - 1);
    const below = curves.filter((c) => c[c.length - 1] < reference).length;
    console.log(
      `| ${rule} | ${design.name} | ${seeds} | ${curves[0].map((_, k) => fmt(mean(k))).join(" / ")} | ${below}/${seeds} | ${((100 * (reference - last)) / reference).toFixed(1)}% |`,
    );
  }
}
