import { Rng, summarize } from "@gsh/core";
import {
  SEQUENCE_SIZES,
  evaluateMarkovPolicy,
  monteCarloEvaluation,
  sampleSequenceOfflineData,
  testbedS,
} from "@gsh/testbeds";
import { enumerateResponses, referenceMarkovPolicy, sampleSequence, sequenceLogProb } from "@gsh/preference";
import { DEFAULT_EPOCH_TRAINING, DEFAULT_OPTIMIZER } from "../src";
import {
  NeuralSequencePolicy,
  RecurrentSequencePolicy,
  TransformerSequencePolicy,
  chooseBackend,
  platformProbe,
  loadTf,
  type BackendProbe,
  type SequencePair,
} from "../src/neural";

/** 1500 offline π0 pairs on S (tiny), as (x, chosen, rejected) sequences; pairs of identical responses dropped. */
function sequencePairs(seq: ReturnType<typeof testbedS>): SequencePair[] {
  const ys = enumerateResponses(4, 4);
  const { data } = sampleSequenceOfflineData(seq, 1500, 0);
  const pairs: SequencePair[] = [];
  for (let i = 0; i < data.size; i++) {
    const [w, l] = data.label[i] === 1 ? [data.first[i], data.second[i]] : [data.second[i], data.first[i]];
    if (w !== l) pairs.push({ x: data.context[i], chosen: ys[w], rejected: ys[l] });
  }
  return pairs;
}

describe("TF.js backend selection (fastest first), with an injected probe", () => {
  const probe = (gpu: boolean, node: boolean, wasm: boolean): BackendProbe => ({
    hasNativeBinding: (pkg) => (pkg === "@tensorflow/tfjs-node-gpu" ? gpu : node),
    hasWasm: () => wasm,
  });
  it("prefers tfjs-node-gpu, then tfjs-node, then wasm, then cpu; a preference is honoured only when available", () => {
    expect(chooseBackend(probe(true, true, true))).toBe("tensorflow-gpu");
    expect(chooseBackend(probe(false, true, true))).toBe("tensorflow");
    expect(chooseBackend(probe(false, false, true))).toBe("wasm");
    expect(chooseBackend(probe(false, false, false))).toBe("cpu");
    expect(chooseBackend(probe(true, true, true), "cpu")).toBe("cpu");
    expect(chooseBackend(probe(false, false, false), "wasm")).toBe("cpu");
  });
  it("on this machine it picks the first usable backend the probe reports (wasm where no native binding exists)", () => {
    const has = (pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node") => platformProbe.hasNativeBinding(pkg);
    const expected = has("@tensorflow/tfjs-node-gpu")
      ? "tensorflow-gpu"
      : has("@tensorflow/tfjs-node")
        ? "tensorflow"
        : platformProbe.hasWasm()
          ? "wasm"
          : "cpu";
    expect(chooseBackend()).toBe(expected);
  });
});

describe("the neural autoregressive policy on the sequence bandit S (V = 4, L = 4)", () => {
  it("trained by DPO it improves exact SubOpt over π0, and its exact evaluation agrees with Monte Carlo (99% CI)", async () => {
    const { tf, backend } = await loadTf();
    expect(["wasm", "tensorflow", "tensorflow-gpu"]).toContain(backend); // reproducible per backend; this test's numbers are checked with tolerances
    const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 5, eta: 0.3 });
    const { problem, truth } = seq;
    const pairs = sequencePairs(seq);
    const pi0 = referenceMarkovPolicy(problem);
    const model = new NeuralSequencePolicy(tf, problem, Rng.seeded(1), { width: 32 });
    try {
      // starts exactly at π0 (zero last layer)
      const start = model.markovTables();
      for (let i = 0; i < start.probs.length; i += 7) expect(start.probs[i]).toBeCloseTo(pi0.probs[i], 6);
      const before = evaluateMarkovPolicy(problem, truth, pi0).subopt;
      const losses = model.trainDpo(pairs, (x, y) => sequenceLogProb(pi0, x, y), Rng.seeded(2), {
        eta: problem.eta,
        training: { regime: "fixed-steps", steps: 150, learningRate: 0.01, batchSize: 128 },
      }).trainLoss;
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      const tables = model.markovTables();
      const exact = evaluateMarkovPolicy(problem, truth, tables);
      expect(exact.subopt).toBeLessThan(0.8 * before);
      // Monte Carlo estimate of J(π) = E[r*(y) − η·log(π(y)/π0(y))] from exact samples of the trained policy
      const rng = Rng.seeded(3);
      const vals: number[] = [];
      const y = new Int32Array(4);
      for (let i = 0; i < 20_000; i++) {
        const x = rng.int(5);
        sampleSequence(tables, x, rng, y);
        let r = 0,
          s = 4;
        for (let t = 0; t < 4; t++) {
          r += truth.bigram[s * 4 + y[t]];
          s = y[t];
        }
        vals.push(r - problem.eta * (sequenceLogProb(tables, x, y) - sequenceLogProb(pi0, x, y)));
      }
      const mc = summarize(vals);
      expect(Math.abs(mc.mean - exact.objective)).toBeLessThan(2.576 * mc.stderr);
    } finally {
      model.dispose();
    }
  }, 30_000);
});

describe("the full-prefix recurrent policy (evaluated by Monte Carlo)", () => {
  it("starts at π0 (its MC value covers J(π0)), and DPO training raises its MC value above J(π0)", async () => {
    const { tf } = await loadTf();
    const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 5, eta: 0.3 });
    const { problem, truth } = seq;
    const pi0 = referenceMarkovPolicy(problem);
    const lp0 = (x: number, y: Int32Array) => sequenceLogProb(pi0, x, y);
    const j0 = evaluateMarkovPolicy(problem, truth, pi0).objective;
    const model = new RecurrentSequencePolicy(tf, problem, Rng.seeded(1), { hidden: 16 });
    try {
      const before = monteCarloEvaluation(
        problem,
        truth,
        (xs) => model.sample(xs, Rng.seeded(2)),
        lp0,
        Rng.seeded(3),
        4000,
      );
      expect(Math.abs(before.objective.mean - j0)).toBeLessThan(before.objective.ci95 * (2.576 / 1.96));
      const pairs = sequencePairs(seq);
      model.trainDpo(pairs, lp0, Rng.seeded(4), {
        eta: problem.eta,
        training: { regime: "fixed-steps", steps: 100, learningRate: 0.01, batchSize: 128 },
      });
      const after = monteCarloEvaluation(
        problem,
        truth,
        (xs) => model.sample(xs, Rng.seeded(5)),
        lp0,
        Rng.seeded(6),
        4000,
      );
      expect(after.objective.mean - after.objective.ci95).toBeGreaterThan(j0);
      expect(after.objective.mean).toBeLessThanOrEqual(truth.optimalObjective + after.objective.ci95);
    } finally {
      model.dispose();
    }
  }, 30_000);
});

describe("the small causal transformer (evaluated by Monte Carlo)", () => {
  it("trained by DPO in the epoch regime raises its MC value above J(π0), not above J(π*)", async () => {
    const { tf } = await loadTf();
    const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 5, eta: 0.3 });
    const { problem, truth } = seq;
    const pi0 = referenceMarkovPolicy(problem);
    const lp0 = (x: number, y: Int32Array) => sequenceLogProb(pi0, x, y);
    const j0 = evaluateMarkovPolicy(problem, truth, pi0).objective;
    const model = new TransformerSequencePolicy(tf, problem, Rng.seeded(1), { width: 16, layers: 2, heads: 2 });
    try {
      // the default regime but for a shorter cap and larger minibatches (test time)
      const run = model.trainDpo(sequencePairs(seq), lp0, Rng.seeded(4), {
        eta: problem.eta,
        training: { ...DEFAULT_OPTIMIZER, ...DEFAULT_EPOCH_TRAINING, epochs: 5, batchSize: 64, learningRate: 3e-3 },
      });
      expect(run.bestStep).toBeGreaterThan(0);
      const after = monteCarloEvaluation(
        problem,
        truth,
        (xs) => model.sample(xs, Rng.seeded(5)),
        lp0,
        Rng.seeded(6),
        2000,
      );
      expect(after.objective.mean - after.objective.ci95).toBeGreaterThan(j0);
      expect(after.objective.mean).toBeLessThanOrEqual(truth.optimalObjective + after.objective.ci95);
    } finally {
      model.dispose();
    }
  }, 120_000);
});
