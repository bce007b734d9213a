// `pnpm --filter @gsh/practical bench` (second part): the policy-gradient loop's speed. One RLOO step (20 prompts ×
// k = 8 responses, log-linear policy, k1 in the reward: draw, score, update, AdamW step, new policy) on S-large and on
// T, each beside drawing the same batch alone (the baseline: what any sampler pays); and the exact gradient audit of
// one configuration (RLOO, k3 in the loss per token: forward passes for Cov(r, φ) and the per-token scores) on
// S-large, beside one factored Gibbs backward pass (the DP every exact evaluation costs). Medians after warm-up.
import { measure } from "@gsh/bench-harness";
import { Rng, getOrThrow } from "@gsh/core";
import { factoredGibbsPolicy, sequenceReward } from "@gsh/preference";
import { SEQUENCE_SIZES, testbedS } from "@gsh/testbeds";
import { testbedT } from "@gsh/testbeds/node";
import {
  Batch,
  DEFAULT_OPTIMIZER,
  UNIT_FACTORS,
  drawBatch,
  logLinearSequenceModel,
  rlooRule,
  runPolicyGradient,
  sequenceExpectedUpdate,
} from "../dist/index.js";

const rows = [];
const kl = { coefficient: 0.1, estimator: "k1", granularity: "sequence", placement: "reward" };

function rlooStep(label, instance, reps) {
  const { problem } = instance;
  const model = logLinearSequenceModel(problem);
  model.params.set(instance.truth.theta.map((v) => 0.5 * v));
  model.refresh();
  const env = {
    drawPrompt: (r) => r.categorical(problem.contextWeights),
    reward: (_x, y) => sequenceReward(instance.truth.bigram, problem.vocab, y),
  };
  const rng = Rng.seeded(0).split(`bench/pg/${label}`);
  const settings = {
    samplesPerPrompt: 8,
    promptsPerStep: 20,
    steps: 1,
    kl,
    rule: rlooRule,
    optimizer: DEFAULT_OPTIMIZER,
  };
  const step = measure(() => runPolicyGradient(model, env, settings, rng), { reps, warmup: 2 });
  const batch = new Batch({ groups: 20, perGroup: 8 }, model.maxLength, () => model.newResponse());
  const draw = measure(() => drawBatch(model, env, batch, rng), { reps, warmup: 2 });
  rows.push([`one RLOO step on ${label} (20 prompts × k = 8, log-linear)`, step, `drawing the batch alone`, draw]);
}

const large = testbedS(0, SEQUENCE_SIZES.large);
rlooStep("S-large (V=64, L=32)", large, 20);
const t = getOrThrow(testbedT(0, { eta: 0.1, objective: "positive" }));
rlooStep("T (V=514, L=12)", t, 10);

{
  const { problem } = large;
  const model = logLinearSequenceModel(problem);
  model.params.set(large.truth.theta.map((v) => 0.5 * v));
  model.refresh();
  const config = { coefficient: 0.1, estimator: "k3", granularity: "token", placement: "loss" };
  const audit = measure(
    () => {
      model.refresh(); // a fresh policy each time: the audit recomputes its backward table
      sequenceExpectedUpdate(model, problem, large.truth.bigram, config, UNIT_FACTORS);
    },
    { reps: 10, warmup: 2 },
  );
  const dp = measure(() => factoredGibbsPolicy(problem, large.truth.bigram), { reps: 10, warmup: 2 });
  rows.push([`exact audit on S-large (RLOO, k3 in the loss per token)`, audit, `one factored Gibbs backward pass`, dp]);
}

console.log("\n@gsh/practical policy gradient (median ms)");
const header = ["what", "ms", "baseline (same run)", "ms", "ratio"];
const body = rows.map((r) => [r[0], r[1].toFixed(2), r[2], r[3].toFixed(2), (r[1] / r[3]).toFixed(1) + "×"]);
const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
for (const line of [header, w.map((x) => "-".repeat(x)), ...body])
  console.log(line.map((c, i) => (i % 2 === 0 && i < 3 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  "));
