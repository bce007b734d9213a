// `pnpm --filter @gsh/practical bench`: DPO training speed of the neural policy (batch 256, width 256) on the TF.js
// backend selected here, with the wasm transposed-matmul trap avoided (custom dense gradient) beside plain autodiff,
// and one full-batch DPO epoch (objective + gradient) of the log-linear policy on n = 1e5 pairs, d = 64.
import { measure } from "@gsh/bench-harness";
import { Rng } from "@gsh/core";
import {
  bigramReward,
  factoredGibbsPolicy,
  sampleGibbsSequence,
  sampleReferenceSequence,
  sampleSequence,
  sequenceGibbs,
} from "@gsh/preference";
import { SEQUENCE_SIZES, evaluateGibbsPolicy, evaluateMarkovPolicy, linearBandit, testbedS } from "@gsh/testbeds";
import { DPO, LogLinearPolicy, PairBatch, neuralLearner, iterativeDpo } from "../dist/index.js";
import { referenceSampler } from "../dist/sequence/exact-samplers.js";
import { NeuralBanditPolicy, NeuralSequencePolicy, chooseBackend, loadTf } from "../dist/neural/index.js";
import { dpoStepAnchor } from "./torch-anchor.mjs";

const inst = linearBandit(0, { contexts: 100, actions: 64, dim: 64, normBound: 3, eta: 0.1, referenceTemperature: 1 });
const rng = Rng.seeded(0).split("bench/practical");
const pairs = new PairBatch();
while (pairs.size < 100_000) pairs.addPair(rng.int(100), rng.int(64), rng.int(64));

const rows = [];
// median ms after one warm-up call (kernel compilation, allocation)
const timeSteps = (fn, steps) => measure(fn, { reps: steps, warmup: 1 });

for (const backend of [chooseBackend(), "cpu"]) {
  const { tf } = await loadTf({ prefer: backend });
  for (const plainAutodiff of [false, true]) {
    const model = new NeuralBanditPolicy(tf, inst.problem, Rng.seeded(1), { width: 256, plainAutodiff });
    const opt = tf.train.adam(0.01);
    const idx = Array.from({ length: 256 }, () => rng.int(pairs.size));
    const steps = backend === "cpu" ? 5 : 20;
    const ms = timeSteps(() => model.dpoStep(opt, pairs, idx, 0.1), steps);
    rows.push([
      `neural DPO step (batch 256, width 256, 2 hidden layers)`,
      backend,
      plainAutodiff ? "TF.js autodiff matMul" : "custom dense gradient",
      ms,
      1000 / ms,
    ]);
    opt.dispose();
    model.dispose();
  }
}

const policy = new LogLinearPolicy(inst.problem);
const grad = new Float64Array(64);
const epoch = timeSteps(() => policy.objective(pairs, DPO, 0.1, 1, grad), 10);
rows.push([
  "log-linear DPO epoch (n = 1e5 pairs, d = 64; loss + gradient, f64)",
  "plain TypeScript",
  "dpoTerm (DPO alone)",
  epoch,
  1000 / epoch,
]);
// The baseline: the same loss through the general pairLoss (a zero-weight IPO term keeps the spec from being "DPO
// alone"; pairLoss skips it, so the value and gradient are the same bits).
const viaPairLoss = [...DPO, { loss: { kind: "ipo" }, weight: 0 }];
const epochGeneral = timeSteps(() => policy.objective(pairs, viaPairLoss, 0.1, 1, grad), 10);
rows.push([
  "log-linear DPO epoch (n = 1e5 pairs, d = 64; loss + gradient, f64)",
  "plain TypeScript",
  "pairLoss (general spec)",
  epochGeneral,
  1000 / epochGeneral,
]);

console.log("\n@gsh/practical training speed (median ms per step)");
const header = ["what", "backend", "gradient / path", "ms", "steps/s"];
const body = rows.map((r) => [r[0], r[1], r[2], r[3].toFixed(2), r[4].toFixed(1)]);
const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
for (const line of [header, w.map((x) => "-".repeat(x)), ...body])
  console.log(line.map((c, i) => (i < 3 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  "));

// The sequence track on S-large (V = 64, L = 32, d = 16, all 20 prompts). Floors (issue): exact log Z + J + KL and
// 10⁴ samples ≤ 50 ms; one neural iterative DPO trial at budget 3000 (the bench's defaults: 3 rounds, 100 Adam steps
// per round, batch 256, width 64, 2 layers) ≤ 60 s on wasm.
{
  const large = testbedS(0, SEQUENCE_SIZES.large);
  const theta = large.truth.theta.map((v) => 0.5 * v);
  const y = new Int32Array(large.problem.length);
  const srng = Rng.seeded(1);
  let g;
  const steady = { reps: 20, warmup: 10 }; // steady state: V8 optimizes these loops after a few calls
  const gibbsMs = measure(() => {
    g = sequenceGibbs(large.problem, bigramReward(large.problem, theta), large.problem.eta);
  }, steady);
  const evalMs = measure(() => evaluateMarkovPolicy(large.problem, large.truth, g.policy), steady);
  const sampleMs = measure(() => {
    for (let i = 0; i < 10_000; i++) sampleSequence(g.policy, i % 20, srng, y);
  }, steady);
  const dp = gibbsMs + evalMs + sampleMs;
  // The same three quantities for a Gibbs-family member in factored form (kernel + backward messages; how the
  // runner receives MLE-Gibbs, Option I and online policies): identities instead of a logarithm per table entry.
  let f;
  const fGibbsMs = measure(() => {
    f = factoredGibbsPolicy(large.problem, bigramReward(large.problem, theta));
  }, steady);
  const fEvalMs = measure(() => evaluateGibbsPolicy(large.problem, large.truth, f), steady);
  const fSampleMs = measure(() => {
    for (let i = 0; i < 10_000; i++) sampleGibbsSequence(f, i % 20, srng, y);
  }, steady);
  const { tf, backend } = await loadTf();
  const t0 = performance.now();
  const model = new NeuralSequencePolicy(tf, large.problem, Rng.seeded(1), { width: 64, layers: 2 });
  const learner = neuralLearner(large.problem, model, Rng.seeded(2), {
    training: { regime: "fixed-steps", steps: 100, learningRate: 0.01, batchSize: 256 },
  });
  iterativeDpo(learner, large.makeOracle(Rng.seeded(3)), Rng.seeded(4), {
    rounds: 3,
    batchSize: 1000,
  });
  model.dispose();
  const trial = performance.now() - t0;
  console.log("\n@gsh/practical sequence track on S-large (V=64, L=32, d=16, 20 prompts)");
  console.log(
    `Gibbs member, factored: log Z + J + KL and 10⁴ samples: ${(fGibbsMs + fEvalMs + fSampleMs).toFixed(1)} ms (floor 50 ms) = backward pass ${fGibbsMs.toFixed(1)} + J, KL by the identities ${fEvalMs.toFixed(1)} + samples ${fSampleMs.toFixed(1)}`,
  );
  console.log(
    `any Markov table (dense, X·L·(V+1)·V = 2.7 M entries): ${dp.toFixed(1)} ms = backward pass into the table ${gibbsMs.toFixed(1)} + exact J, KL with a log per entry ${evalMs.toFixed(1)} + samples ${sampleMs.toFixed(1)} (medians)`,
  );
  console.log(
    `one neural iterative DPO trial, budget 3000 (${backend}): ${(trial / 1000).toFixed(1)} s, one run (floor 60 s)`,
  );
}

// π0's draws for the rejection samplers on T's vocabularies: the row pass (@gsh/preference) and the table sampler
// that draws the same tokens (@gsh/practical's exact-samplers), 10⁴ responses of 12 tokens, S's π0 at V = 512, 2048.
{
  console.log("\n@gsh/practical π0 draws for rejection sampling (10⁴ responses, L = 12, 20 prompts; median ms)");
  for (const vocab of [512, 2048]) {
    // π0 rows as S draws them (softmax of standard normals), without S's dense π* (X·L·(V+1)·V entries)
    const prng = Rng.seeded(vocab);
    const reference = new Float64Array(20 * (vocab + 1) * vocab);
    for (let row = 0; row < 20 * (vocab + 1); row++) {
      let sum = 0;
      for (let v = 0; v < vocab; v++) sum += reference[row * vocab + v] = Math.exp(prng.normal());
      for (let v = 0; v < vocab; v++) reference[row * vocab + v] /= sum;
    }
    const problem = { prompts: 20, vocab, length: 12, reference };
    const y = new Int32Array(12);
    const srng = Rng.seeded(1);
    const draw = referenceSampler(problem);
    const pass = measure(
      () => {
        for (let i = 0; i < 10_000; i++) sampleReferenceSequence(problem, i % 20, srng, y);
      },
      { reps: 5, warmup: 1 },
    );
    const table = measure(
      () => {
        for (let i = 0; i < 10_000; i++) draw(i % 20, srng, y);
      },
      { reps: 5, warmup: 1 },
    );
    console.log(
      `V = ${vocab}: row pass ${pass.toFixed(1)} ms, table sampler ${table.toFixed(1)} ms (${(pass / table).toFixed(1)}×)`,
    );
  }
}

await dpoStepAnchor();
