import * as E from "fp-ts/lib/Either";
import { type GshError, getOrThrow, invalidArgument, assertDims } from "./errors";
import { xlogxy } from "./numerics";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * A policy over a finite action set: a row-stochastic matrix over (context, action), row-major.
 * `probs[x * actions + a] = π(a | x)`.
 */
export interface Policy {
  readonly contexts: number;
  readonly actions: number;
  readonly probs: Float64Array;
}

/** Tolerance of the row-sum check. */
export const ROW_SUM_TOLERANCE = 1e-9;

/** Validates a candidate policy: finite, non-negative entries and rows summing to 1 within 1e-9. */
export function validatePolicy(p: Policy): E.Either<GshError, Policy> {
  if (!Number.isInteger(p.contexts) || p.contexts < 1)
    return E.left(invalidArgument("contexts", `must be a positive integer, got ${p.contexts}`));
  if (!Number.isInteger(p.actions) || p.actions < 1)
    return E.left(invalidArgument("actions", `must be a positive integer, got ${p.actions}`));
  if (p.probs.length !== p.contexts * p.actions)
    return E.left(
      invalidArgument(
        "probs",
        `expected ${p.contexts}×${p.actions} = ${p.contexts * p.actions} entries, got ${p.probs.length}`,
      ),
    );
  for (let x = 0; x < p.contexts; x++) {
    let s = 0;
    for (let a = 0; a < p.actions; a++) {
      const v = p.probs[x * p.actions + a];
      if (!(v >= 0) || !Number.isFinite(v))
        return E.left({
          _tag: "InvalidPolicy",
          context: x,
          message: `π(${a}|${x}) = ${v} is not a finite non-negative number`,
        });
      s += v;
    }
    if (Math.abs(s - 1) > ROW_SUM_TOLERANCE)
      return E.left({
        _tag: "InvalidPolicy",
        context: x,
        message: `row sums to ${s}, not 1 (tolerance ${ROW_SUM_TOLERANCE})`,
      });
  }
  return E.right(p);
}

export const validatePolicyOrThrow = (p: Policy): Policy => getOrThrow(validatePolicy(p));

/** Builds a policy from rows, validating it. */
export function makePolicy(contexts: number, actions: number, probs: Float64Array): E.Either<GshError, Policy> {
  return validatePolicy({ contexts, actions, probs });
}

export function uniformPolicy(contexts: number, actions: number): Policy {
  return { contexts, actions, probs: new Float64Array(contexts * actions).fill(1 / actions) };
}

/** Uniform context weights d0 (the testbeds' convention). */
export function uniformWeights(contexts: number): Float64Array {
  return new Float64Array(contexts).fill(1 / contexts);
}

function sameShape(p: Policy, q: Policy): void {
  assertDims(
    p.contexts === q.contexts && p.actions === q.actions,
    `policies ${p.contexts}×${p.actions} and ${q.contexts}×${q.actions}`,
  );
}

/** KL(p(·|x) ‖ q(·|x)) for one context; +∞ when p puts mass where q has none. */
export function klRow(p: Policy, q: Policy, x: number): number {
  sameShape(p, q);
  const A = p.actions;
  let s = 0;
  for (let a = 0; a < A; a++) s += xlogxy(p.probs[x * A + a], q.probs[x * A + a]);
  return Math.max(0, s);
}

/** E_{x~d0} KL(p(·|x) ‖ q(·|x)). */
export function kl(p: Policy, q: Policy, weights = uniformWeights(p.contexts)): number {
  let s = 0;
  for (let x = 0; x < p.contexts; x++) if (weights[x] > 0) s += weights[x] * klRow(p, q, x);
  return s;
}

/** E_{x~d0} TV(p(·|x), q(·|x)). */
export function totalVariation(p: Policy, q: Policy, weights = uniformWeights(p.contexts)): number {
  sameShape(p, q);
  const A = p.actions;
  let s = 0;
  for (let x = 0; x < p.contexts; x++) {
    let t = 0;
    for (let a = 0; a < A; a++) t += Math.abs(p.probs[x * A + a] - q.probs[x * A + a]);
    s += weights[x] * 0.5 * t;
  }
  return s;
}

/** E_{x~d0} H(p(·|x)) in nats. */
export function entropy(p: Policy, weights = uniformWeights(p.contexts)): number {
  const A = p.actions;
  let s = 0;
  for (let x = 0; x < p.contexts; x++) {
    let h = 0;
    for (let a = 0; a < A; a++) {
      const v = p.probs[x * A + a];
      if (v > 0) h -= v * Math.log(v);
    }
    s += weights[x] * h;
  }
  return s;
}
