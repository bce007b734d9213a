import { Rng, klToReference, uniformWeights } from "@gsh/core";
import { bestOfNKlBound, bestOfNPolicy, rankingWinRate } from "../src/policy-gradient";

// Best-of-n's exact distribution against enumeration of every n-tuple of draws, and its KL against the bound.

function randomInstance(seed: number, A: number, ties: boolean) {
  const r = Rng.seeded(seed);
  const p = Float64Array.from({ length: A }, () => r.uniform() + 0.05);
  const sum = p.reduce((a, b) => a + b, 0);
  for (let a = 0; a < A; a++) p[a] /= sum;
  // with ties: rewards on a coarse grid so classes of equal reward occur
  const reward = Float64Array.from({ length: A }, () => (ties ? Math.floor(r.uniform() * 3) : r.normal()));
  return { reference: { contexts: 1, actions: A, probs: p }, reward };
}

// P(BoN = a) by enumerating all Aⁿ tuples, each with π0-probability, the kept draw uniform among the tied best
function enumerated(p: Float64Array, reward: Float64Array, n: number): Float64Array {
  const A = p.length;
  const out = new Float64Array(A);
  const tuple = new Int32Array(n);
  const visit = (i: number, prob: number) => {
    if (i === n) {
      let best = -Infinity;
      for (const a of tuple) best = Math.max(best, reward[a]);
      const tied = Array.from(tuple).filter((a) => reward[a] === best);
      for (const a of tied) out[a] += prob / tied.length;
      return;
    }
    for (let a = 0; a < A; a++) {
      tuple[i] = a;
      visit(i + 1, prob * p[a]);
    }
  };
  visit(0, 1);
  return out;
}

describe("best-of-n", () => {
  it.each([
    [1, 4, false],
    [2, 5, false],
    [3, 4, true],
    [4, 5, true],
    [5, 3, false],
  ])("n = %i, A = %i (ties %s): the exact distribution equals enumeration of n-tuples", (n, A, ties) => {
    const { reference, reward } = randomInstance(n * 10 + A, A, ties);
    const exact = bestOfNPolicy(reference, reward, n).probs;
    const brute = enumerated(reference.probs, reward, n);
    for (let a = 0; a < A; a++) expect(Math.abs(exact[a] - brute[a])).toBeLessThan(1e-12);
  });

  it("KL(BoN‖π0) ≤ log n − (n−1)/n on 200 random instances, with and without ties; equality needs no ties", () => {
    for (let s = 0; s < 200; s++) {
      const n = 1 + (s % 16);
      const { reference, reward } = randomInstance(1000 + s, 6 + (s % 20), s % 2 === 0);
      const kl = klToReference(bestOfNPolicy(reference, reward, n), reference, uniformWeights(1));
      expect(kl).toBeLessThanOrEqual(bestOfNKlBound(n) + 1e-12);
    }
  });

  it("the ranking win rate against π0 is ½ at n = 1 and equals enumeration of (n + 1)-tuples", () => {
    const { reference, reward } = randomInstance(7, 5, true);
    const w1 = rankingWinRate(bestOfNPolicy(reference, reward, 1), reference, reward, uniformWeights(1));
    expect(Math.abs(w1 - 0.5)).toBeLessThan(1e-12);
    const n = 3;
    const A = 5;
    const p = reference.probs;
    let brute = 0;
    // the first n draws are the candidates, the last one π0's response
    for (let i = 0; i < A ** (n + 1); i++) {
      let prob = 1,
        best = -Infinity,
        rest = i;
      const digits: number[] = [];
      for (let j = 0; j <= n; j++) {
        digits.push(rest % A);
        prob *= p[rest % A];
        rest = Math.floor(rest / A);
      }
      for (let j = 0; j < n; j++) best = Math.max(best, reward[digits[j]]);
      const other = reward[digits[n]];
      brute += prob * (best > other ? 1 : best === other ? 0.5 : 0);
    }
    const w = rankingWinRate(bestOfNPolicy(reference, reward, n), reference, reward, uniformWeights(1));
    expect(Math.abs(w - brute)).toBeLessThan(1e-12);
  });
});
