/**
 * A counted preference oracle over responses of type R (an action index, a token sequence): `query(x, r1, r2)` is 1
 * iff r1 was preferred, and `queries` counts every call.
 */
export interface Oracle<R> {
  query(x: number, r1: R, r2: R): 0 | 1;
  readonly queries: number;
}
