import { Rng } from "@gsh/core";
import {
  type SequenceProblem,
  bigramReward,
  factoredGibbsPolicy,
  gibbsSequenceLogProb,
  gibbsSequencePolicy,
  markovSequencePolicy,
  referenceLogProb,
  sampleFromPolicy,
  sampleReferenceSequence,
  sequenceGibbs,
} from "@gsh/preference";
import { testbedS } from "@gsh/testbeds";
import { gibbsLogProb, policySampler, referenceLogProbs, referenceSampler } from "../src/sequence/exact-samplers";

// The table samplers must draw exactly what @gsh/preference's row passes draw from the same uniforms: a rejection
// sampler's candidates (and every row downstream) depend on it. Checked draw by draw on S at several sizes and
// temperatures (peaked rows at small η), and on uniforms placed exactly on and next to the rows' cumulative bounds,
// where rounding decides.

const draws = (n: number, seed: number, draw: (x: number, rng: Rng) => Int32Array, prompts: number): Int32Array[] => {
  const rng = Rng.seeded(seed).split("draws");
  return Array.from({ length: n }, (_, i) => Int32Array.from(draw(i % prompts, rng)));
};

const sizes = [
  { prompts: 3, vocab: 5, length: 4, dim: 4 },
  { prompts: 4, vocab: 64, length: 8, dim: 16 },
];

describe("exact table samplers", () => {
  for (const size of sizes)
    for (const seed of [0, 1])
      it(`draw what π0's and the Gibbs and Markov policies' row passes draw (V=${size.vocab}, seed ${seed})`, () => {
        const { problem, truth } = testbedS(seed, size);
        const ours = referenceSampler(problem);
        expect(draws(3000, seed, (x, r) => ours(x, r), size.prompts)).toEqual(
          draws(3000, seed, (x, r) => sampleReferenceSequence(problem, x, r), size.prompts),
        );
        for (const eta of [10, 0.1, 0.02]) {
          const b = Float64Array.from(truth.bigram, (v, i) => v * (1 + (i % 7)));
          const gibbs = gibbsSequencePolicy(factoredGibbsPolicy(problem, b, eta));
          const markov = markovSequencePolicy(sequenceGibbs(problem, b, eta).policy);
          for (const policy of [gibbs, markov]) {
            const sampler = policySampler(problem, policy);
            expect(draws(3000, seed + 7, (x, r) => sampler(x, r), size.prompts)).toEqual(
              draws(3000, seed + 7, (x, r) => sampleFromPolicy(policy, x, r, new Int32Array(size.length)), size.prompts),
            );
          }
        }
      });

  it("agree on uniforms exactly on, and one float either side of, every cumulative bound (the pass decides there)", () => {
    // Rows with zeros, a tiny weight and weights whose sums round: the fallback pass must take these draws.
    const V = 6;
    const rows = [
      [0.1, 0.2, 0.3, 0.4, 0, 0],
      [0, 1e-17, 0.5, 0, 0.25, 0.25],
      [1 / 3, 1 / 3, 0, 1 / 3, 0, 0],
      [0, 0, 0, 0, 0, 1],
      [0.7, 0.1, 0.1, 0.05, 0.025, 0.025],
      [1e-300, 3e-300, 0, 0, 0, 2e-300],
      [0.2, 0.2, 0.2, 0.2, 0.1, 0.1],
    ];
    const problem: SequenceProblem = {
      prompts: 1,
      vocab: V,
      length: 1,
      dim: 1,
      reference: Float64Array.from(rows.slice(0, V + 1).flat()),
      psi: new Float64Array((V + 1) * V),
      contextWeights: Float64Array.of(1),
      eta: 1,
      normBound: 1,
    };
    // the start row (s = V) is the one drawn at t = 0; try every row there
    for (const row of rows) {
      const p = { ...problem, reference: Float64Array.from([...rows.slice(0, V).flat(), ...row]) };
      const total = row.reduce((a, w) => a + w, 0);
      const us: number[] = [0, 1 - 2 ** -53];
      let acc = 0;
      for (const w of row) {
        acc += w;
        const u = acc / total;
        for (const d of [-2, -1, 0, 1, 2]) {
          const bits = new Float64Array([u]);
          const view = new BigInt64Array(bits.buffer);
          view[0] += BigInt(d);
          if (bits[0] >= 0 && bits[0] < 1) us.push(bits[0]);
        }
      }
      const stub = (u: number) => ({ uniform: () => u }) as unknown as Rng;
      for (const u of us) {
        const ours = referenceSampler(p)(0, stub(u));
        expect([u, ours[0]]).toEqual([u, sampleReferenceSequence(p, 0, stub(u))[0]]);
      }
    }
  });

  it("give π0's and the Gibbs policies' log-probabilities bit for bit", () => {
    const { problem, truth } = testbedS(3, sizes[1]);
    const logPi0 = referenceLogProbs(problem);
    const g = factoredGibbsPolicy(problem, bigramReward(problem, truth.theta), 0.1);
    const rng = Rng.seeded(3);
    for (let i = 0; i < 500; i++) {
      const x = i % problem.prompts;
      const y = sampleReferenceSequence(problem, x, rng);
      expect(logPi0(x, y)).toBe(referenceLogProb(problem, x, y));
      expect(logPi0(x, y)).toBe(referenceLogProb(problem, x, y)); // from the kept logarithms
      expect(gibbsLogProb(g, logPi0, x, y)).toBe(gibbsSequenceLogProb(problem, g, x, y));
    }
  });
});
