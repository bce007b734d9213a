// A run specification as a bench Suite: every parameter validated and defaulted by its definition's schema, as
// `gsh bench` resolves a suite file (packages/bench/src/suite.ts, which reads files and git and so stays in Node),
// with the same labels, grid and fingerprint, so that rows exported from the page form a results directory.
import * as E from "fp-ts/lib/Either";
import type { Registry } from "../../../../packages/bench/src/registry";
import type { Suite, SuiteEntry } from "../../../../packages/bench/src/suite";
import { FINGERPRINT_SCHEMA, suiteFingerprint } from "../../../../packages/bench/src/fingerprint";
import { RESULT_SCHEMA } from "../../../../packages/report/src/result-row";
import benchPackage from "../../../../packages/bench/package.json";
import type { EntrySpec, RunSpec } from "../protocol";

const fieldOf = (path: readonly PropertyKey[]) => path.map(String).join(".");

/** Validates and defaults the entries; Left names the entry and the field. */
export function resolveRun(spec: RunSpec, registry: Registry): E.Either<string, Suite> {
  const env = registry.environments.get(spec.environment.name);
  if (!env) return E.left(`environment: unknown testbed '${spec.environment.name}'`);
  const envParams = env.params.safeParse(spec.environment.params);
  if (!envParams.success) {
    const issue = envParams.error.issues[0];
    return E.left(`environment ${spec.environment.name}: ${fieldOf(issue.path) || "params"}: ${issue.message}`);
  }
  const environment: SuiteEntry = {
    label: spec.environment.label,
    name: spec.environment.name,
    params: envParams.data as Record<string, unknown>,
  };
  const algorithms: SuiteEntry[] = [];
  for (const a of spec.algorithms) {
    const resolved = resolveAlgorithm(a, registry, env.environmentKind, env.responsesPerPrompt?.(envParams.data));
    if (E.isLeft(resolved)) return resolved;
    algorithms.push(resolved.right);
  }
  if (new Set(algorithms.map((a) => a.label)).size !== algorithms.length)
    return E.left("algorithms: two entries have one label");
  if (!(Number.isInteger(spec.budget) && spec.budget >= 1))
    return E.left(`budget: a whole number ≥ 1, got ${spec.budget}`);
  if (
    !spec.seeds.length ||
    spec.seeds.some((s) => !(Number.isInteger(s) && s >= 0)) ||
    new Set(spec.seeds).size !== spec.seeds.length
  )
    return E.left("seeds: distinct whole numbers ≥ 0");
  return E.right({
    name: "playground",
    description: "a run of the gsh playground",
    seeds: [...spec.seeds],
    environments: [environment],
    algorithms,
    budgets: [spec.budget],
    comparisons: [],
    plugins: [],
    baseDir: ".",
    trialTimeoutSeconds: 600,
    heapLimitMb: 4096,
    code: { gshVersion: benchPackage.version, commit: null, dirty: null, plugins: [] },
  });
}

function resolveAlgorithm(
  a: EntrySpec,
  registry: Registry,
  kind: string,
  responsesPerPrompt: number | undefined,
): E.Either<string, SuiteEntry> {
  const def = registry.algorithms.get(a.name);
  if (!def) return E.left(`algorithm: unknown algorithm '${a.name}'`);
  const p = def.params.safeParse(a.params);
  if (!p.success) {
    const issue = p.error.issues[0];
    return E.left(`${a.label} (${a.name}): ${fieldOf(issue.path) || "params"}: ${issue.message}`);
  }
  if (!(def.supports as readonly string[]).includes(kind))
    return E.left(`${a.label} (${a.name}) supports ${def.supports.join(", ")} environments, not ${kind}`);
  const why = def.unsupported?.(
    { kind: kind as never, ...(responsesPerPrompt === undefined ? {} : { responsesPerPrompt }) },
    p.data,
  );
  if (why) return E.left(`${a.label} (${a.name}) cannot run here: ${why}`);
  if (a.label.includes("|")) return E.left(`${a.label}: a label may not contain '|'`);
  return E.right({ label: a.label, name: a.name, params: p.data as Record<string, unknown>, track: def.track });
}

/** suite.json as `gsh bench` writes it (the suite, its fingerprint and both schemas). */
export function suiteRecord(suite: Suite, startedAt: string) {
  return {
    ...suite,
    fingerprint: suiteFingerprint(suite),
    resultSchema: RESULT_SCHEMA,
    shard: null,
    partial: null,
    machine: {
      startedAt,
      platform: "browser",
      arch: "",
      cpus: navigator.hardwareConcurrency ?? 1,
      cpuModel: navigator.userAgent,
      node: "",
      workers: 1,
    },
    fingerprintSchema: FINGERPRINT_SCHEMA,
  };
}
