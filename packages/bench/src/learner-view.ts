import { GshException } from "@gsh/core";
import type { Oracle } from "@gsh/preference";

// What an algorithm may touch of a trial. Plugins are trusted code: this guards against their mistakes (writing into
// the arrays they were handed, charging a negative amount), not against malice; the runner scores against its own
// objects, which the algorithm never sees.

/**
 * A deep copy of plain data for the learner: objects, arrays and typed arrays are copied, anything else (functions,
 * class instances) is shared. Writing into the copy cannot reach the instance the runner scores against.
 */
export function learnerCopy<T>(value: T): T {
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): T }).slice();
  if (Array.isArray(value)) return value.map(learnerCopy) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = learnerCopy(v);
    return out as T;
  }
  return value;
}

/** Thrown when the algorithm asks for more preference queries than its budget. */
export class OverBudget extends Error {
  constructor(budget: number, asked: number) {
    super(`over budget: the algorithm asked for query ${asked} of a budget of ${budget}`);
    this.name = "OverBudget";
  }
}

/** A trial's query budget: its count is private, and only whole, non-negative charges are accepted. */
export class QueryBudget {
  #count = 0;
  constructor(readonly budget: number) {}
  get queries(): number {
    return this.#count;
  }
  /** Charges n queries (offline data labelled by the instance, or one oracle call), or refuses them. */
  charge(n: number): void {
    if (!(Number.isInteger(n) && n >= 0))
      throw new GshException({
        _tag: "InvalidArgument",
        field: "queries",
        message: `a query count must be a whole number ≥ 0, got ${n}`,
      });
    if (this.#count + n > this.budget) throw new OverBudget(this.budget, this.#count + n);
    this.#count += n;
  }
}

/**
 * The oracle the algorithm gets: a frozen object whose only doors are `query` (charged to the budget first) and a
 * read-only `queries`; the instance's oracle is held in a closure it cannot reach.
 */
export function closedOracle<R>(inner: Oracle<R>, budget: QueryBudget): Oracle<R> {
  const oracle = {
    query(x: number, r1: R, r2: R): 0 | 1 {
      budget.charge(1);
      return inner.query(x, r1, r2);
    },
    get queries() {
      return budget.queries;
    },
  };
  return Object.freeze(oracle);
}
