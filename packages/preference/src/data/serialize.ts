import * as E from "fp-ts/lib/Either";
import { type GshError, type Policy, validatePolicy } from "@gsh/core";
import { Covariance } from "../estimation/confidence";

/**
 * Save and load of estimates, covariances and policies as JSON with a schema name and version, so a file written
 * today is read correctly (or refused with a clear error) by a later version.
 */
export const SCHEMA_VERSION = 1;

type Json = Record<string, unknown>;

const parseError = (source: string, field: string, message: string): GshError => ({
  _tag: "ParseError",
  source,
  line: 0,
  field,
  message,
});

function parseObject(text: string, source: string, schema: string): E.Either<GshError, Json> {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return E.left(parseError(source, "(json)", `not valid JSON: ${(e as Error).message}`));
  }
  if (typeof o !== "object" || o === null || Array.isArray(o))
    return E.left(parseError(source, "(root)", "expected a JSON object"));
  const r = o as Json;
  if (r.schema !== schema)
    return E.left(parseError(source, "schema", `expected "${schema}", got ${JSON.stringify(r.schema)}`));
  if (r.version !== SCHEMA_VERSION)
    return E.left(
      parseError(
        source,
        "version",
        `this gsh reads version ${SCHEMA_VERSION}, the file has ${JSON.stringify(r.version)}`,
      ),
    );
  return E.right(r);
}

function numbers(r: Json, field: string, length: number | null, source: string): E.Either<GshError, Float64Array> {
  const v = r[field];
  if (!Array.isArray(v)) return E.left(parseError(source, field, "expected an array of numbers"));
  if (length !== null && v.length !== length)
    return E.left(parseError(source, field, `expected ${length} numbers, got ${v.length}`));
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== "number" || !Number.isFinite(v[i]))
      return E.left(parseError(source, `${field}[${i}]`, `expected a finite number, got ${JSON.stringify(v[i])}`));
  return E.right(Float64Array.from(v as number[]));
}

function positiveInt(r: Json, field: string, source: string): E.Either<GshError, number> {
  const v = r[field];
  return typeof v === "number" && Number.isInteger(v) && v > 0
    ? E.right(v)
    : E.left(parseError(source, field, `expected a positive integer, got ${JSON.stringify(v)}`));
}

/** A BT estimate θ̂ (with its ridge and optional diagnostics). */
export interface SavedEstimate {
  readonly theta: Float64Array;
  readonly lambda: number;
  readonly diagnostics: Readonly<Record<string, number | boolean>>;
}

export function estimateToJson(e: SavedEstimate): string {
  return JSON.stringify({
    schema: "gsh/estimate",
    version: SCHEMA_VERSION,
    dim: e.theta.length,
    lambda: e.lambda,
    theta: Array.from(e.theta),
    diagnostics: e.diagnostics,
  });
}

export function estimateFromJson(text: string, source = "(estimate)"): E.Either<GshError, SavedEstimate> {
  const o = parseObject(text, source, "gsh/estimate");
  if (E.isLeft(o)) return o;
  const dim = positiveInt(o.right, "dim", source);
  if (E.isLeft(dim)) return dim;
  const theta = numbers(o.right, "theta", dim.right, source);
  if (E.isLeft(theta)) return theta;
  const lambda = o.right.lambda;
  if (typeof lambda !== "number" || !(lambda > 0))
    return E.left(parseError(source, "lambda", `expected a number > 0, got ${JSON.stringify(lambda)}`));
  return E.right({
    theta: theta.right,
    lambda,
    diagnostics: (o.right.diagnostics ?? {}) as Record<string, number | boolean>,
  });
}

export function covarianceToJson(c: Covariance): string {
  return JSON.stringify({
    schema: "gsh/covariance",
    version: SCHEMA_VERSION,
    dim: c.dim,
    lambda: c.lambda,
    scale: c.scale,
    count: c.size,
    matrix: Array.from(c.matrix),
  });
}

export function covarianceFromJson(text: string, source = "(covariance)"): E.Either<GshError, Covariance> {
  const o = parseObject(text, source, "gsh/covariance");
  if (E.isLeft(o)) return o;
  const dim = positiveInt(o.right, "dim", source);
  if (E.isLeft(dim)) return dim;
  const m = numbers(o.right, "matrix", dim.right * dim.right, source);
  if (E.isLeft(m)) return m;
  const { lambda, scale, count } = o.right;
  if (typeof lambda !== "number" || !(lambda > 0))
    return E.left(parseError(source, "lambda", `expected a number > 0, got ${JSON.stringify(lambda)}`));
  if (typeof scale !== "number" || !(scale > 0))
    return E.left(parseError(source, "scale", `expected a number > 0, got ${JSON.stringify(scale)}`));
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
    return E.left(parseError(source, "count", `expected an integer ≥ 0, got ${JSON.stringify(count)}`));
  const d = dim.right;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++)
      if (m.right[i * d + j] !== m.right[j * d + i])
        return E.left(parseError(source, `matrix[${i * d + j}]`, "the matrix is not symmetric"));
  return E.right(Covariance.fromMatrix(d, lambda, scale, m.right, count));
}

export function policyToJson(p: Policy): string {
  return JSON.stringify({
    schema: "gsh/policy",
    version: SCHEMA_VERSION,
    contexts: p.contexts,
    actions: p.actions,
    probs: Array.from(p.probs),
  });
}

/** Reads a policy and validates it (non-negative, rows summing to 1 within 1e-9). */
export function policyFromJson(text: string, source = "(policy)"): E.Either<GshError, Policy> {
  const o = parseObject(text, source, "gsh/policy");
  if (E.isLeft(o)) return o;
  const X = positiveInt(o.right, "contexts", source);
  if (E.isLeft(X)) return X;
  const A = positiveInt(o.right, "actions", source);
  if (E.isLeft(A)) return A;
  const probs = numbers(o.right, "probs", X.right * A.right, source);
  if (E.isLeft(probs)) return probs;
  return validatePolicy({ contexts: X.right, actions: A.right, probs: probs.right });
}

/**
 * The versioned JSON of a linear reward model r(x,a) = <θ, φ(x,a)>: what `gsh fit --out` and `gsh export` write and
 * `gsh bench --save-policies` saves per trial. A Gibbs policy π ∝ π0·exp(<θ, φ>/η) is saved as the reward it is the
 * Gibbs policy of (parameters, never dense tables): with the environment's φ, π0 and η it is the policy.
 */
export const REWARD_MODEL_SCHEMA = "gsh/reward-model";
export const REWARD_MODEL_VERSION = 1;

/** The parameters-only record (schema, version, dim, λ, θ) and any extra top-level fields, as JSON text. */
export function rewardParametersToJson(
  model: { readonly theta: ArrayLike<number>; readonly lambda: number },
  extra: Record<string, unknown> = {},
): string {
  return (
    JSON.stringify({
      schema: REWARD_MODEL_SCHEMA,
      version: REWARD_MODEL_VERSION,
      dim: model.theta.length,
      lambda: model.lambda,
      theta: Array.from(model.theta),
      ...extra,
    }) + "\n"
  );
}
