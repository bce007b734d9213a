import type { Policy, Rng } from "@gsh/core";

// Best-of-n as a baseline policy: draw n responses from π0, keep the one the reward ranks highest (ties broken
// uniformly at random). On a finite environment its distribution is exact from the reward's ranking under π0.

/**
 * The exact best-of-n policy of π0 under a reward table: for each context, with F(r) = π0(reward ≤ r) and F(r⁻) =
 * π0(reward < r), the tie class {a: r_a = r} is chosen with probability F(r)ⁿ − F(r⁻)ⁿ and split within the class in
 * proportion to π0 (the kept draw is a uniformly chosen member of the class among the tied draws, each i.i.d. π0).
 */
export function bestOfNPolicy(reference: Policy, reward: Float64Array, n: number): Policy {
  const { contexts: X, actions: A } = reference;
  const probs = new Float64Array(X * A);
  const order = new Int32Array(A);
  for (let x = 0; x < X; x++) {
    const o = x * A;
    for (let a = 0; a < A; a++) order[a] = a;
    const sorted = Array.from(order).sort((a, b) => reward[o + a] - reward[o + b]);
    let below = 0; // F(r⁻)
    for (let i = 0; i < A;) {
      let j = i;
      let mass = 0;
      while (j < A && reward[o + sorted[j]] === reward[o + sorted[i]]) mass += reference.probs[o + sorted[j++]];
      const pClass = Math.pow(Math.min(1, below + mass), n) - Math.pow(below, n);
      if (mass > 0) for (let k = i; k < j; k++) probs[o + sorted[k]] = (pClass * reference.probs[o + sorted[k]]) / mass;
      below += mass;
      i = j;
    }
  }
  return { contexts: X, actions: A, probs };
}

/** The widely quoted KL(BoN‖π0) ≤ log n − (n − 1)/n (exact for continuous rewards with no ties). */
export const bestOfNKlBound = (n: number): number => Math.log(n) - (n - 1) / n;

/**
 * P(reward(a) > reward(b)) + ½·P(equal), a ~ π, b ~ π0, averaged over contexts with weights w: the win rate judged
 * by the reward's ranking (n/(n + 1) for best-of-n when no two actions tie).
 */
export function rankingWinRate(pi: Policy, reference: Policy, reward: Float64Array, weights: Float64Array): number {
  const { contexts: X, actions: A } = pi;
  let total = 0;
  for (let x = 0; x < X; x++) {
    if (weights[x] === 0) continue;
    const o = x * A;
    let s = 0;
    for (let a = 0; a < A; a++) {
      const p = pi.probs[o + a];
      if (p === 0) continue;
      for (let b = 0; b < A; b++) {
        const q = reference.probs[o + b];
        const d = reward[o + a] - reward[o + b];
        s += p * q * (d > 0 ? 1 : d === 0 ? 0.5 : 0);
      }
    }
    total += weights[x] * s;
  }
  return total;
}

/** A Monte-Carlo mean with its 95% normal interval half-width. */
export interface McEstimate {
  readonly mean: number;
  readonly halfWidth95: number;
}

/**
 * Best-of-n where log π_BoN(y) is out of reach (sequences): its expected reward and its ranking win rate against π0
 * by Monte Carlo, `draws` best-of-n draws each paired with one fresh π0 draw, prompts from `drawPrompt`.
 */
export function bestOfNMonteCarlo<R>(
  n: number,
  draws: number,
  sampleReference: (x: number, rng: Rng) => R,
  reward: (x: number, y: R) => number,
  drawPrompt: (rng: Rng) => number,
  rng: Rng,
): { readonly reward: McEstimate; readonly winRate: McEstimate; readonly samples: number } {
  let s = 0,
    ss = 0,
    w = 0,
    ww = 0;
  for (let i = 0; i < draws; i++) {
    const x = drawPrompt(rng);
    let best = -Infinity;
    for (let j = 0; j < n; j++) best = Math.max(best, reward(x, sampleReference(x, rng)));
    const other = reward(x, sampleReference(x, rng));
    const win = best > other ? 1 : best === other ? 0.5 : 0;
    s += best;
    ss += best * best;
    w += win;
    ww += win * win;
  }
  const est = (a: number, b: number): McEstimate => {
    const mean = a / draws;
    const sd = Math.sqrt(Math.max(0, b / draws - mean * mean) / Math.max(1, draws - 1));
    return { mean, halfWidth95: 1.96 * sd };
  };
  return { reward: est(s, ss), winRate: est(w, ww), samples: draws * (n + 1) };
}
