import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { REWARD_MODEL_SCHEMA, REWARD_MODEL_VERSION, rewardParametersToJson } from "@gsh/preference";
import type { UserFit } from "./fit";

// The format (schema name, version, parameters-only record) lives in @gsh/preference, shared with the benchmark's
// --save-policies; a fitted model adds its uncertainty (Hessian, design covariance, radius) to the same record.
export { REWARD_MODEL_SCHEMA, REWARD_MODEL_VERSION };

/**
 * The reward model as JSON text (matrices row-major; `parametersOnly` keeps schema, version, dim, λ, θ̂ and the
 * embedding that made the features). The fields are documented in the package README ("The reward-model file").
 */
export function rewardModelToJson(fit: UserFit, options: { readonly parametersOnly?: boolean } = {}): string {
  const embedding = fit.embedding ? { embedding: fit.embedding } : {};
  if (options.parametersOnly) return rewardParametersToJson(fit, embedding);
  return rewardParametersToJson(fit, {
    ...embedding,
    pairs: fit.pairs,
    ...(fit.outcomes ? { outcomes: fit.outcomes } : {}),
    ...(fit.tieParameter !== undefined ? { tieParameter: fit.tieParameter } : {}),
    iterations: fit.iterations,
    radius: fit.radius,
    crossValidation: fit.crossValidation,
    hessian: Array.from(fit.hessian),
    designCovariance: Array.from(fit.designCovariance),
  });
}

/** Reads a reward model; the ParseError names the field (schema, version, a wrong length, a non-number). */
export function rewardModelFromJson(text: string, source = "reward model"): E.Either<GshError, UserFit> {
  const err = (field: string, message: string): E.Either<GshError, never> =>
    E.left({ _tag: "ParseError", source, line: 1, field, message });
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return err("(file)", `not JSON: ${(e as Error).message}`);
  }
  if (typeof j !== "object" || j === null) return err("(file)", "expected a JSON object");
  if (j.schema !== REWARD_MODEL_SCHEMA)
    return err("schema", `expected "${REWARD_MODEL_SCHEMA}", got ${JSON.stringify(j.schema)}`);
  if (j.version !== REWARD_MODEL_VERSION)
    return err("version", `this reader knows version ${REWARD_MODEL_VERSION}, got ${JSON.stringify(j.version)}`);
  const d = j.dim;
  if (!(typeof d === "number" && Number.isInteger(d) && d >= 1))
    return err("dim", `must be an integer ≥ 1, got ${JSON.stringify(d)}`);
  const numbers = (field: string, n: number): E.Either<GshError, Float64Array> => {
    const v = j[field];
    if (!Array.isArray(v) || v.length !== n) return err(field, `must be an array of ${n} numbers`);
    for (let i = 0; i < n; i++)
      if (typeof v[i] !== "number" || !Number.isFinite(v[i]))
        return err(`${field}[${i}]`, `must be a finite number, got ${JSON.stringify(v[i])}`);
    return E.right(Float64Array.from(v as number[]));
  };
  const theta = numbers("theta", d);
  if (E.isLeft(theta)) return theta;
  if (!(typeof j.lambda === "number" && j.lambda > 0))
    return err("lambda", `must be a number > 0, got ${JSON.stringify(j.lambda)}`);
  if (!("hessian" in j))
    return err("hessian", "a parameters-only model cannot drive policy or suggest: refit with `gsh fit --out`");
  const hessian = numbers("hessian", d * d);
  if (E.isLeft(hessian)) return hessian;
  const design = numbers("designCovariance", d * d);
  if (E.isLeft(design)) return design;
  if (!(typeof j.pairs === "number" && Number.isInteger(j.pairs) && j.pairs >= 0))
    return err("pairs", "must be an integer ≥ 0");
  const embedding = j.embedding as UserFit["embedding"];
  if (
    embedding !== undefined &&
    !(typeof embedding === "object" && embedding !== null && typeof embedding.model === "string" && embedding.dim === d)
  )
    return err("embedding", `must be {"model": string, "dim": ${d}}, got ${JSON.stringify(embedding)}`);
  const tie = j.tieParameter;
  if (tie !== undefined && tie !== null && !(typeof tie === "number" && tie > 0 && Number.isFinite(tie)))
    return err("tieParameter", `must be null or a finite number > 0, got ${JSON.stringify(tie)}`);
  const radius = j.radius as UserFit["radius"] | undefined;
  if (!radius || typeof radius.asymptotic !== "number" || typeof radius.delta !== "number")
    return err("radius", "must hold delta and asymptotic");
  return E.right({
    dim: d,
    pairs: j.pairs,
    lambda: j.lambda,
    theta: theta.right,
    iterations: typeof j.iterations === "number" ? j.iterations : 0,
    hessian: hessian.right,
    designCovariance: design.right,
    radius: { delta: radius.delta, asymptotic: radius.asymptotic, worstCase: radius.worstCase ?? null },
    crossValidation: (j.crossValidation as UserFit["crossValidation"]) ?? null,
    ...(tie !== undefined ? { tieParameter: tie } : {}),
    ...(j.outcomes ? { outcomes: j.outcomes as UserFit["outcomes"] } : {}),
    ...(embedding ? { embedding } : {}),
  });
}
