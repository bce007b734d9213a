import type * as tfType from "@tensorflow/tfjs";
import { Rng } from "@gsh/core";
import { SEQUENCE_SIZES, testbedS } from "@gsh/testbeds";
import { enumerateResponses, referenceMarkovPolicy, sequenceLogProb } from "@gsh/preference";
import {
  NeuralSequencePolicy,
  TransformerSequencePolicy,
  heldOutSplit,
  loadTf,
  sequenceLogProbs,
  trainOnPairs,
  type SequencePair,
} from "../src/neural";
import { DisplacementProbe, DEFAULT_OPTIMIZER } from "../src";

const tiny = () => testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });

describe("the epoch training loop", () => {
  it("restores the parameters of the step with the best held-out loss (a synthetic loss curve)", async () => {
    const { tf } = await loadTf();
    // One parameter w; the 'pairs' are indices. Training pairs pull w towards 5 (loss (w − 5)²); the held-out pairs
    // (every tenth) measure (w − 2)², so the held-out curve falls until w passes 2 and rises after: the best
    // held-out step is the last one with w nearest 2, and restore-best must return exactly that step's w.
    const w = tf.variable(tf.scalar(0));
    const heldOut = new Set(heldOutSplit(100, 10).heldOut);
    const run = trainOnPairs(
      tf,
      {
        variables: [w],
        pairCount: 100,
        batchLoss: (idx) => tf.square(tf.sub(w, heldOut.has(idx[0]) ? 2 : 5)).reshape<tfType.Scalar>([]),
      },
      Rng.seeded(1),
      {
        ...DEFAULT_OPTIMIZER,
        learningRate: 0.05,
        weightDecay: 0,
        regime: "epochs",
        epochs: 20,
        batchSize: 10,
        heldOutEvery: 10,
        evalsPerEpoch: 9,
        patience: 1000,
      },
    );
    const best = run.heldOut.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(run.bestStep).toBe(best.step);
    // the final parameter is the best step's: held-out loss there equals (w − 2)²
    expect((w.dataSync()[0] - 2) ** 2).toBeCloseTo(best.loss, 6);
    expect(run.heldOut[run.heldOut.length - 1].loss).toBeGreaterThan(best.loss); // it did pass the optimum
    expect(run.bestStep).toBeGreaterThan(0);
    expect(run.bestStep).toBeLessThan(run.trainLoss.length);
    w.dispose();
  });

  it("stops early after `patience` evaluations without improvement, and holds every tenth pair out", async () => {
    expect(heldOutSplit(25, 10)).toEqual({
      train: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24],
      heldOut: [9, 19],
    });
    const { tf } = await loadTf();
    const w = tf.variable(tf.scalar(0));
    const held = new Set(heldOutSplit(100, 10).heldOut);
    // the held-out loss only rises as w moves: the best is step 0 and training stops after 3 evaluations
    const run = trainOnPairs(
      tf,
      {
        variables: [w],
        pairCount: 100,
        batchLoss: (idx) => tf.square(tf.sub(w, held.has(idx[0]) ? 0 : 5)).reshape<tfType.Scalar>([]),
      },
      Rng.seeded(1),
      {
        ...DEFAULT_OPTIMIZER,
        regime: "epochs",
        epochs: 10,
        batchSize: 10,
        heldOutEvery: 10,
        evalsPerEpoch: 3,
        patience: 3,
      },
    );
    expect(run.bestStep).toBe(0);
    expect(run.heldOut).toHaveLength(4);
    expect(run.stoppedEarly).toBe(true);
    expect(w.dataSync()[0]).toBe(0); // restored to the start
    w.dispose();
  });
});

describe("the small causal transformer", () => {
  it("starts exactly at π0 (KL(π‖π0) ≤ 1e-6 by enumeration of every response) and its mask is causal", async () => {
    const { tf } = await loadTf();
    const { problem } = tiny();
    const pi0 = referenceMarkovPolicy(problem);
    const model = new TransformerSequencePolicy(tf, problem, Rng.seeded(3), { width: 16, layers: 2, heads: 4 });
    try {
      const ys = enumerateResponses(problem.vocab, problem.length);
      for (let x = 0; x < problem.prompts; x++) {
        const lp = sequenceLogProbs(
          tf,
          model,
          ys.map(() => x),
          ys,
        );
        let kl = 0;
        let mass = 0;
        ys.forEach((y, i) => {
          const p = Math.exp(lp[i]);
          mass += p;
          kl += p * (lp[i] - sequenceLogProb(pi0, x, y));
        });
        expect(Math.abs(mass - 1)).toBeLessThan(1e-5);
        expect(Math.abs(kl)).toBeLessThanOrEqual(1e-6);
      }
      // Causality needs a trained (non-zero) head: give U random weights, then change token t+1 and compare.
      const U = model.trainable[model.trainable.length - 1];
      U.assign(tf.randomNormal(U.shape, 0, 1, "float32", 7));
      const L = problem.length;
      const V = problem.vocab;
      for (let t = 0; t + 1 < L; t++) {
        const a = Int32Array.from({ length: L }, (_, i) => i % V);
        const b = a.slice();
        b[t] = (a[t] + 1) % V; // y_t changes: positions ≤ t read only y_{<t}, so their outputs must not change
        const la = model.stepLogProbs([1], [a]);
        const lb = model.stepLogProbs([1], [b]);
        for (let i = 0; i < (t + 1) * V; i++) expect(lb[i]).toBe(la[i]);
        let moved = 0;
        for (let i = (t + 1) * V; i < L * V; i++) moved += Math.abs(lb[i] - la[i]);
        expect(moved).toBeGreaterThan(1e-4); // and later positions do see it
      }
    } finally {
      model.dispose();
    }
  });
});

describe("the transformer's incremental sampler", () => {
  it("gives each sample the log-probability of the full causal pass (f32 rounding), and π0's distribution at step 0", async () => {
    const { tf } = await loadTf();
    const { problem } = tiny();
    const model = new TransformerSequencePolicy(tf, problem, Rng.seeded(3), { width: 16, layers: 2, heads: 2 });
    try {
      const U = model.trainable[model.trainable.length - 1];
      U.assign(tf.randomNormal(U.shape, 0, 1, "float32", 9));
      const xs = Array.from({ length: 200 }, (_, i) => i % problem.prompts);
      const s = model.sample(xs, Rng.seeded(4));
      const full = sequenceLogProbs(tf, model, xs, s.ys);
      for (let i = 0; i < xs.length; i++) expect(s.logProbs[i]).toBeCloseTo(full[i], 4);
    } finally {
      model.dispose();
    }
  });
});

describe("likelihood displacement", () => {
  it("of a Markov policy agrees with enumeration on a tiny S", async () => {
    const { tf } = await loadTf();
    const { problem } = tiny();
    const pi0 = referenceMarkovPolicy(problem);
    const model = new NeuralSequencePolicy(tf, problem, Rng.seeded(1), { width: 16 });
    try {
      const ys = enumerateResponses(problem.vocab, problem.length);
      const rng = Rng.seeded(2);
      const pairs: SequencePair[] = Array.from({ length: 40 }, () => ({
        x: rng.int(problem.prompts),
        chosen: ys[rng.int(ys.length)],
        rejected: ys[rng.int(ys.length)],
      }));
      // move the policy away from π0 first
      model.trainDpo(pairs, (x, y) => sequenceLogProb(pi0, x, y), Rng.seeded(3), {
        eta: problem.eta,
        training: { regime: "fixed-steps", steps: 30, learningRate: 0.05, batchSize: 16 },
      });
      const table = model.markovTables();
      const train = [0, 1, 2, 5, 8, 13, 21, 34];
      const probe = new DisplacementProbe(
        pairs,
        (y) => y.join(","),
        (x, y) => sequenceLogProb(pi0, x, y),
        problem.contextWeights,
      );
      const got = probe.measure(7, sequenceLogProbs(tf, model, probe.xs, probe.responses), train);
      // by enumeration: the distinct responses of each prompt, and their exact probability under the table
      let unseen = 0;
      for (let x = 0; x < problem.prompts; x++) {
        const seen = new Set(pairs.filter((p) => p.x === x).flatMap((p) => [p.chosen.join(","), p.rejected.join(",")]));
        const mass = ys
          .filter((y) => seen.has(y.join(",")))
          .reduce((a, y) => a + Math.exp(sequenceLogProb(table, x, y)), 0);
        unseen += problem.contextWeights[x] * (1 - mass);
      }
      const mean = (side: "chosen" | "rejected") =>
        train.reduce(
          (a, i) =>
            a + sequenceLogProb(table, pairs[i].x, pairs[i][side]) - sequenceLogProb(pi0, pairs[i].x, pairs[i][side]),
          0,
        ) / train.length;
      expect(got.step).toBe(7);
      expect(got.unseenMass).toBeCloseTo(unseen, 5);
      expect(got.chosen).toBeCloseTo(mean("chosen"), 4);
      expect(got.rejected).toBeCloseTo(mean("rejected"), 4);
      expect(Math.abs(got.chosen)).toBeGreaterThan(1e-3); // it did move
    } finally {
      model.dispose();
    }
  });
});
