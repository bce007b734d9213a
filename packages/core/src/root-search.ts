/** A point a search has evaluated: the argument c and the value g(c), with whatever else the caller carries. */
export interface SearchPoint {
  readonly c: number;
  readonly g: number;
}

/**
 * The largest c ∈ [0, cMax] with g(c) ≥ 0, for a g with g(0) = 0 that is positive just right of 0 (such as the
 * enhancer's Γ(c) − η·KL(c)), as a coroutine: it yields each c it needs evaluated and receives the point, so a
 * caller can run many searches in lockstep (one batched evaluation per step) while each visits exactly the points
 * it would visit alone. If g(cMax) ≥ 0 that point is the answer. Otherwise a bracket [lo, hi] with g(lo) ≥ 0 > g(hi)
 * is seeded at c0 (a model's guess of the crossing) and grown or shrunk by 4× until it holds, then narrowed by
 * regula falsi with the Illinois modification (superlinear, and it keeps the bracket) until its width is below
 * precision·max(lo, 1e-6). Returns the feasible end (`origin`, the point at c = 0, when nothing else is feasible).
 */
export function* largestFeasiblePoint<P extends SearchPoint>(
  cMax: number,
  precision: number,
  c0: number,
  origin: P,
): Generator<number, P, P> {
  const pick = yield cMax;
  if (pick.g >= 0) return pick;
  let lo = origin;
  let hi = pick;
  let side = 0;
  let probe = yield c0;
  if (probe.g >= 0) {
    lo = probe;
    for (let c = 4 * c0; c < cMax; c *= 4) {
      const q = yield c;
      if (q.g >= 0) lo = q;
      else {
        hi = q;
        break;
      }
    }
  } else {
    hi = probe;
    while (probe.g < 0 && probe.c > 1e-9) {
      hi = probe;
      probe = yield probe.c / 4;
    }
    if (probe.g >= 0) lo = probe;
  }
  let gLo = lo.g,
    gHi = hi.g;
  while (hi.c - lo.c > precision * Math.max(lo.c, 1e-6)) {
    let c = (lo.c * gHi - hi.c * gLo) / (gHi - gLo);
    if (!(c > lo.c && c < hi.c)) c = 0.5 * (lo.c + hi.c);
    const m = yield c;
    if (m.g >= 0) {
      lo = m;
      gLo = m.g;
      if (side === 1) gHi /= 2;
      side = 1;
    } else {
      hi = m;
      gHi = m.g;
      if (side === -1) gLo /= 2;
      side = -1;
    }
  }
  return lo;
}

/** Runs a `largestFeasiblePoint` search to the end against g (one evaluation at a time). */
export function largestFeasibleRoot(
  g: (c: number) => number,
  cMax: number,
  precision: number,
  c0: number,
): SearchPoint & { readonly evaluations: number } {
  const search = largestFeasiblePoint<SearchPoint>(cMax, precision, c0, { c: 0, g: 0 });
  let step = search.next();
  let evaluations = 0;
  while (!step.done) {
    evaluations++;
    const c = step.value;
    step = search.next({ c, g: g(c) });
  }
  return { ...step.value, evaluations };
}
