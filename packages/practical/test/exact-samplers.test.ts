import { Rng } from "@gsh/core";
import { type SequenceProblem, sampleReferenceSequence } from "@gsh/preference";
import { testbedS } from "@gsh/testbeds";
import { TABLE_MIN_VOCAB, referenceSampler } from "../src/sequence/exact-samplers";

// π0's table sampler must draw exactly what @gsh/preference's row pass draws from the same uniforms: a rejection
// sampler's candidates (and every row downstream) depend on it. Checked draw by draw on S at vocabularies where the
// tables are used (and one where they are not), and on uniforms placed exactly on and next to the rows' cumulative
// bounds, where rounding decides.

const draws = (n: number, seed: number, draw: (x: number, rng: Rng) => Int32Array, prompts: number): Int32Array[] => {
  const rng = Rng.seeded(seed).split("draws");
  return Array.from({ length: n }, (_, i) => Int32Array.from(draw(i % prompts, rng)));
};

const sizes = [
  { prompts: 3, vocab: 5, length: 4, dim: 4 },
  { prompts: 4, vocab: TABLE_MIN_VOCAB, length: 8, dim: 4 },
  { prompts: 3, vocab: 700, length: 5, dim: 4 },
];

describe("π0's table sampler", () => {
  for (const size of sizes)
    for (const seed of [0, 1])
      it(`draws what π0's row pass draws (V=${size.vocab}, seed ${seed})`, () => {
        const { problem } = testbedS(seed, size);
        const ours = referenceSampler(problem);
        expect(draws(3000, seed, (x, r) => ours(x, r), size.prompts)).toEqual(
          draws(3000, seed, (x, r) => sampleReferenceSequence(problem, x, r), size.prompts),
        );
      });

  it("agree on uniforms exactly on, and one float either side of, every cumulative bound (the pass decides there)", () => {
    // Rows with zeros, a tiny weight and weights whose sums round: the fallback pass must take these draws.
    const V = TABLE_MIN_VOCAB;
    const pad = (row: number[]) => [...row, ...new Array<number>(V - row.length).fill(0)];
    const rows = [
      [0.1, 0.2, 0.3, 0.4, 0, 0],
      [0, 1e-17, 0.5, 0, 0.25, 0.25],
      [1 / 3, 1 / 3, 0, 1 / 3, 0, 0],
      [0, 0, 0, 0, 0, 1],
      [0.7, 0.1, 0.1, 0.05, 0.025, 0.025],
      [1e-300, 3e-300, 0, 0, 0, 2e-300],
      Array.from({ length: V }, (_, v) => 1 / (v + 3)),
      Array.from({ length: V }, (_, v) => (v % 5 === 0 ? 0 : 0.1 + (v % 7) / 11)),
    ].map(pad);
    const others = Array.from({ length: V }, (_, s) => rows[s % rows.length]);
    const problem: SequenceProblem = {
      prompts: 1,
      vocab: V,
      length: 1,
      dim: 1,
      reference: Float64Array.from([...others, rows[0]].flat()),
      psi: new Float64Array((V + 1) * V),
      contextWeights: Float64Array.of(1),
      eta: 1,
      normBound: 1,
    };
    // the start row (s = V) is the one drawn at t = 0; try every row there
    for (const row of rows) {
      const p = { ...problem, reference: Float64Array.from([...others.flat(), ...row]) };
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
});
