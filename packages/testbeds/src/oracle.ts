import { GshException, type Rng, invalidArgument } from "@gsh/core";
import type { Oracle } from "@gsh/preference";
import { type PreferenceModel, drawLabel } from "./preference-models";

/**
 * The one counted oracle of every testbed: refuses a malformed query (`invalid` says why, or returns null) with an
 * invalid-argument error, counts the query, then asks `label` (which draws from the testbed's label stream). The
 * order (check, count, label) is what every testbed's label stream depends on.
 */
export function countedOracle<R>(
  invalid: (x: number, r1: R, r2: R) => string | null,
  label: (x: number, r1: R, r2: R) => 0 | 1,
): Oracle<R> {
  let count = 0;
  return {
    get queries() {
      return count;
    },
    query(x, r1, r2) {
      const why = invalid(x, r1, r2);
      if (why !== null) throw new GshException(invalidArgument("query", why));
      count++;
      return label(x, r1, r2);
    },
  };
}

/** A label drawn from a preference model on the true reward gap r*(x, r1) − r*(x, r2). */
export const modelLabel =
  <R>(model: PreferenceModel, rewardGap: (x: number, r1: R, r2: R) => number, rng: Rng) =>
  (x: number, r1: R, r2: R): 0 | 1 =>
    drawLabel(model, rewardGap(x, r1, r2), rng);

/** Why an action query (x, a1, a2) falls outside an X×A table, or null when it does not. */
export const outsideTable =
  (contexts: number, actions: number) =>
  (x: number, a1: number, a2: number): string | null =>
    !(x >= 0 && x < contexts && a1 >= 0 && a1 < actions && a2 >= 0 && a2 < actions) || !Number.isInteger(x + a1 + a2)
      ? `(${x}, ${a1}, ${a2}) is outside ${contexts} contexts × ${actions} actions`
      : null;
