import type { Rng } from "@gsh/core";

/**
 * How two responses are picked from n scored candidates; one shared function so that every algorithm means the
 * same thing by "best-vs-worst".
 * - `random`: two distinct candidates uniformly at random.
 * - `max-random`: the best, and a uniformly random other one.
 * - `max-min`: the best and the worst.
 * - `max-min-penalty`: the best and the worst after subtracting `penalty·cost[i]` (e.g. a length or uncertainty cost).
 * Ties (scores within a relative 1e-9 of the extreme, see `SCORE_TIE_TOLERANCE`) are broken uniformly at random among
 * the tied candidates (never by index, which would bias toward early samples). Returns [chosen, rejected] indices, or null when no informative pair exists (n < 2 or all scores equal
 * under max-min): such a pair would have a zero gradient, so it is flagged rather than silently used.
 */
export type PairRule = "random" | "max-random" | "max-min" | "max-min-penalty";

export interface PairOptions {
  readonly penalty?: number;
  readonly cost?: ArrayLike<number>;
}

/**
 * Scores within this relative distance of the extreme are ties. Candidates that are equal in exact arithmetic
 * (the same multiset of bigrams in another order, symmetric tabular coordinates) come out a few ulps apart, and
 * which way those ulps fall depends on summation order, i.e. on the kernels: a rounding error must not pick the
 * pair. 1e-9 is far above accumulated rounding (~1e-15 relative) and far below any score gap the estimate can
 * resolve.
 */
export const SCORE_TIE_TOLERANCE = 1e-9;

function argExtreme(scores: ArrayLike<number>, n: number, sign: 1 | -1, rng: Rng, exclude = -1): number {
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(scores[i]);
    if (i !== exclude && a > scale && a !== Infinity) scale = a;
  }
  const tol = SCORE_TIE_TOLERANCE * scale;
  let best = -Infinity;
  let count = 0;
  let pick = -1;
  for (let i = 0; i < n; i++) {
    if (i === exclude) continue;
    const v = sign * scores[i];
    if (v > best + tol) {
      best = v;
      count = 1;
      pick = i;
    } else if (v >= best - tol) {
      count++;
      if (v > best) best = v;
      if (rng.int(count) === 0) pick = i; // reservoir sampling over ties: uniform among them
    }
  }
  return pick;
}

export function selectPair(
  scores: ArrayLike<number>,
  rule: PairRule,
  rng: Rng,
  options: PairOptions = {},
): [number, number] | null {
  const n = scores.length;
  if (n < 2) return null;
  switch (rule) {
    case "random": {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      return [i, j];
    }
    case "max-random": {
      const i = argExtreme(scores, n, 1, rng);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      return [i, j];
    }
    case "max-min":
    case "max-min-penalty": {
      let s: ArrayLike<number> = scores;
      if (rule === "max-min-penalty") {
        const pen = options.penalty ?? 0;
        const cost = options.cost;
        if (!cost || cost.length !== n) throw new RangeError(`max-min-penalty needs a cost per candidate (${n})`);
        s = Float64Array.from({ length: n }, (_, i) => scores[i] - pen * cost[i]);
      }
      const i = argExtreme(s, n, 1, rng);
      const j = argExtreme(s, n, -1, rng, i);
      if (Math.abs(s[i] - s[j]) <= SCORE_TIE_TOLERANCE * Math.max(Math.abs(s[i]), Math.abs(s[j]))) return null;
      return [i, j];
    }
  }
}
