import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";

export interface ShardAssignment {
  readonly index: number;
  readonly count: number;
  /** Which scheduler's variables gave it. */
  readonly source: "slurm" | "kubernetes" | "gsh";
}

const bad = (message: string): E.Either<GshError, never> =>
  E.left({ _tag: "InvalidArgument", field: "shard", message });

const intOf = (env: Readonly<Record<string, string | undefined>>, name: string): number | null => {
  const v = env[name];
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : Number.NaN;
};

/**
 * `--shard auto`: the shard index (and count) from the scheduler that started this process.
 * - Slurm job arrays: index = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP (arrays may start
 *   at 1 or step by k), count = SLURM_ARRAY_TASK_COUNT.
 * - Kubernetes Indexed Jobs: index = JOB_COMPLETION_INDEX; Kubernetes sets no count, so it comes from `count`
 *   (`--shard-count`) or GSH_SHARD_COUNT (set it from the manifest's `completions`).
 * - Anything else (GitHub Actions' matrix, a shell loop): GSH_SHARD_INDEX and GSH_SHARD_COUNT.
 * A `count` given on the command line must agree with the scheduler's, and the variables of several schedulers, when
 * more than one is set, with each other (refused otherwise, naming both).
 */
export function shardFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  count?: number,
): E.Either<GshError, ShardAssignment> {
  const check = (index: number, n: number | null, source: ShardAssignment["source"], how: string) => {
    const total = n ?? count ?? null;
    if (total === null)
      return bad(`${how} gives the index but not the shard count: pass --shard-count N or set GSH_SHARD_COUNT`);
    if (count !== undefined && n !== null && count !== n)
      return bad(`--shard-count ${count} disagrees with the scheduler's count ${n} (${how})`);
    if (!(Number.isInteger(index) && Number.isInteger(total) && total >= 1 && index >= 0 && index < total))
      return bad(`${how} gives shard ${index} of ${total}: expected 0 ≤ index < count`);
    return E.right({ index, count: total, source });
  };
  const found: E.Either<GshError, ShardAssignment>[] = [];
  const slurmId = intOf(env, "SLURM_ARRAY_TASK_ID");
  if (slurmId !== null) {
    const min = intOf(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = intOf(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
    const n = intOf(env, "SLURM_ARRAY_TASK_COUNT");
    found.push(
      !(step >= 1) || (slurmId - min) % step !== 0
        ? bad(`SLURM_ARRAY_TASK_ID ${slurmId} is not MIN ${min} + k·STEP ${step}`)
        : check((slurmId - min) / step, n, "slurm", "the Slurm array (SLURM_ARRAY_TASK_*)"),
    );
  }
  const k8s = intOf(env, "JOB_COMPLETION_INDEX");
  if (k8s !== null)
    found.push(check(k8s, intOf(env, "GSH_SHARD_COUNT"), "kubernetes", "the Indexed Job (JOB_COMPLETION_INDEX)"));
  const gsh = intOf(env, "GSH_SHARD_INDEX");
  if (gsh !== null) found.push(check(gsh, intOf(env, "GSH_SHARD_COUNT"), "gsh", "GSH_SHARD_INDEX"));
  const first = found[0];
  if (first === undefined)
    return bad(
      "--shard auto found no scheduler variables (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or GSH_SHARD_INDEX); use --shard i/N",
    );
  // Variables of several schedulers (a Slurm job started inside a pod, GSH_* set in a profile) must agree.
  if (E.isLeft(first)) return first;
  for (const other of found.slice(1)) {
    if (E.isLeft(other)) return other;
    const [a, b] = [first.right, other.right];
    if (a.index !== b.index || a.count !== b.count)
      return bad(
        `the schedulers' variables disagree: ${a.source} gives shard ${a.index}/${a.count} but ${b.source} gives shard ${b.index}/${b.count}; unset one, or use --shard i/N`,
      );
  }
  return first;
}
