import type { DisplacementPoint } from "./sequence/neural-types";

/** A preference pair over responses of type R (an action on finite environments, a token sequence on sequences). */
export interface ResponsePair<R> {
  readonly x: number;
  readonly chosen: R;
  readonly rejected: R;
}

/**
 * Likelihood displacement, exactly: the distinct (prompt, response) items of a pair set are found once; each
 * measurement then needs log π of those items only. Every quantity is exact for any autoregressive policy, since
 * log π(y|x) of a given response is exact, and the mass on responses outside the data is 1 minus a finite sum.
 */
export class DisplacementProbe<R> {
  /** The distinct items: prompt, response, log π0. */
  readonly xs: number[] = [];
  readonly responses: R[] = [];
  private readonly refLogProb: number[] = [];
  private readonly chosenItem: Int32Array;
  private readonly rejectedItem: Int32Array;

  constructor(
    pairs: readonly ResponsePair<R>[],
    key: (r: R) => string,
    logReference: (x: number, r: R) => number,
    private readonly contextWeights: Float64Array,
  ) {
    const ids = new Map<string, number>();
    const item = (x: number, r: R): number => {
      const k = `${x}|${key(r)}`;
      let id = ids.get(k);
      if (id === undefined) {
        id = this.xs.length;
        ids.set(k, id);
        this.xs.push(x);
        this.responses.push(r);
        this.refLogProb.push(logReference(x, r));
      }
      return id;
    };
    this.chosenItem = Int32Array.from(pairs, (p) => item(p.x, p.chosen));
    this.rejectedItem = Int32Array.from(pairs, (p) => item(p.x, p.rejected));
  }

  /**
   * The displacement at `step`, given log π of every distinct item (in `xs`/`responses` order) and the indices of
   * the training pairs (the chosen and rejected means run over those; the unseen mass counts every pair's responses).
   */
  measure(step: number, logPolicy: ArrayLike<number>, trainIndices: readonly number[]): DisplacementPoint {
    let chosen = 0;
    let rejected = 0;
    for (const i of trainIndices) {
      chosen += logPolicy[this.chosenItem[i]] - this.refLogProb[this.chosenItem[i]];
      rejected += logPolicy[this.rejectedItem[i]] - this.refLogProb[this.rejectedItem[i]];
    }
    const seen = new Float64Array(this.contextWeights.length);
    for (let d = 0; d < this.xs.length; d++) seen[this.xs[d]] += Math.exp(logPolicy[d]);
    let unseenMass = 0;
    for (let x = 0; x < seen.length; x++) unseenMass += this.contextWeights[x] * (1 - seen[x]);
    const n = Math.max(1, trainIndices.length);
    return { step, chosen: chosen / n, rejected: rejected / n, unseenMass };
  }
}
