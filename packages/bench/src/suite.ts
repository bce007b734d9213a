import type { AlgorithmTrack } from "@gsh/preference";
import type { SampleEfficiencySpec } from "@gsh/report";
import { OVER_OPTIMIZATION_FACTORS } from "./over-optimization";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, extname } from "node:path";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import { parse as parseYaml } from "yaml";
import { type GshError, invalidArgument } from "@gsh/core";
import type { BenchError } from "./errors";
import { z } from "@gsh/preference";
import type { Registry } from "./registry";
import { type CodeIdentity, codeIdentity } from "./code-identity";

const labelled = z.object({
  label: z.string().min(1).optional(),
  name: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Algorithms only: the environment labels it runs on (default all), so one suite can mix environment kinds. */
  environments: z.array(z.string()).optional(),
  /** Algorithms only: run on the first n of the suite's seeds (for costly entries; comparisons pair common seeds). */
  seeds: z.number().int().positive().optional(),
  /** Algorithms only: run at these of the suite's budgets (for costly entries). */
  budgets: z.array(z.number().int().positive()).min(1).optional(),
  /**
   * Algorithms only: the label its trials' random streams are keyed by (default its label), so that an entry renamed
   * for honesty keeps every per-seed result of its old label.
   */
  streams: z.string().min(1).optional(),
});

/** The memory one environment instance may take (its own estimate from its parameters). */
export const MEMORY_LIMIT_BYTES = 8 * 2 ** 30;

/** The KL estimators' default sample sizes, 1 to 1024 in powers of 2. */
export const KL_SAMPLE_SIZES: readonly number[] = Array.from({ length: 11 }, (_, i) => 2 ** i);

/** The declarative suite file (JSON or YAML). */
export const suiteFileSchema = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, "letters, digits, '.', '_' or '-'"),
    description: z.string().optional(),
    /**
     * How long a whole run took when someone measured it (shown by `gsh list` and `gsh bench --help`): wall seconds
     * (absent when no whole run was timed), the date, and the conditions (workers, load).
     */
    measured: z
      .object({ seconds: z.number().positive().optional(), date: z.string(), note: z.string().optional() })
      .optional(),
    /** A count (seeds 0..n−1) or an explicit list. */
    seeds: z.union([
      z.number().int().positive().max(100_000),
      z
        .array(
          z
            .number()
            .int()
            .min(0)
            .max(2 ** 31 - 1),
        )
        .min(1)
        .max(100_000),
    ]),
    environments: z.array(labelled).min(1),
    algorithms: z.array(labelled).min(1),
    /** Query budgets. */
    budgets: z.array(z.number().int().positive().max(1e8)).min(1).max(1000),
    /** Paired comparisons reported with the verdict rule (A beats B on SubOpt). Labels refer to algorithms. */
    comparisons: z
      .array(
        z.object({
          a: z.string(),
          b: z.string(),
          environments: z.array(z.string()).optional(),
          note: z.string().optional(),
          /**
           * Which side the paper's claim expects to win (A, B) or none (no claim: the comparison is a check); the
           * report then says whether the claim holds, fails or is undetermined by the verdict rule.
           */
          expected: z.enum(["A", "B", "none"]).default("none"),
        }),
      )
      .default([]),
    /** Plugin modules (paths relative to the suite file, or package names). */
    plugins: z.array(z.string()).default([]),
    /**
     * Per-trial wall-clock limit: a trial that runs longer is stopped (its worker thread terminated) and recorded as
     * failed. Default 1800 s, well above the slowest built-in trial (the enhancer on S-large, ~150 s on 2 cores).
     */
    trialTimeoutSeconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .default(1800),
    /**
     * V8 heap cap per worker thread (MB). It bounds JavaScript objects only, not WebAssembly or TF.js memory. Default
     * 4096.
     */
    heapLimitMb: z
      .number()
      .int()
      .min(64)
      .max(1 << 20)
      .default(4096),
    /**
     * Diagnostics: the k1, k2, k3 estimators of KL(π‖π0) on every trained policy, against the exact KL: bias and sd
     * over `repeats` estimates at each sample size (default n = 1, 2, 4, …, 1024 and 100 repeats).
     */
    klEstimators: z
      .object({
        sampleSizes: z
          .array(z.number().int().min(1).max(65_536))
          .min(1)
          .max(32)
          .default(() => [...KL_SAMPLE_SIZES]),
        repeats: z.number().int().min(2).max(10_000).default(100),
      })
      .strict()
      .optional(),
    /**
     * Diagnostics: reward over-optimisation on every fitted reward model θ̂ (algorithms that report a confidence
     * set): the exact gold and proxy rewards and KL of π0·exp(r̂/η') for η' = η·factor (default 8 … 1/16).
     */
    overOptimization: z
      .object({
        factors: z
          .array(z.number().positive())
          .min(2)
          .max(32)
          .default(() => [...OVER_OPTIMIZATION_FACTORS]),
      })
      .strict()
      .optional(),
    /**
     * Diagnostics: coverage of π* and of the trained policy by the offline data each trial drew (finite bandits, and
     * sequences where the policy is a Markov table or a factored Gibbs policy):
     * the largest density ratio and χ² coverage against the data's sampling distribution, and the mass on responses
     * no record touched.
     */
    coverage: z.object({}).strict().optional(),
    /**
     * Sample efficiency: per environment, the queries each algorithm needs to bring its mean SubOpt, as a fraction of
     * SubOpt(π0), down to each ε (log-log interpolation between budgets), with bootstrap intervals over seeds, and
     * the ratio against `baseline` (an algorithm label). Rows then record SubOpt(π0).
     */
    sampleEfficiency: z
      .object({
        epsilons: z.array(z.number().gt(0).lt(1)).min(1).max(8).default([0.1]),
        baseline: z.string().min(1),
        resamples: z.number().int().min(100).max(100_000).default(2000),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SuiteFile = z.output<typeof suiteFileSchema>;

export interface SuiteEntry {
  readonly label: string;
  readonly name: string;
  /** Algorithms only: the environment labels it is paired with (absent: all). */
  readonly environments?: readonly string[];
  /** Algorithms only: the number of the suite's seeds it runs on (absent: all). */
  readonly seeds?: number;
  /** Algorithms only: the suite's budgets it runs at (absent: all). */
  readonly budgets?: readonly number[];
  /** Algorithms only: the label its random streams are keyed by (absent: its label). */
  readonly streams?: string;
  /** Parameters after validation and defaults. */
  readonly params: Record<string, unknown>;
  /** Algorithms only: the track its definition declares (rows record it, so reports group without a registry). */
  readonly track?: AlgorithmTrack;
}

/** A validated suite: every name resolved against the registry and every parameter checked by its schema. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  readonly seeds: readonly number[];
  readonly environments: readonly SuiteEntry[];
  readonly algorithms: readonly SuiteEntry[];
  readonly budgets: readonly number[];
  readonly comparisons: SuiteFile["comparisons"];
  /** Plugin specifiers as written, and the directory they are relative to. */
  readonly plugins: readonly string[];
  readonly baseDir: string;
  readonly trialTimeoutSeconds: number;
  readonly heapLimitMb: number;
  readonly klEstimators?: { readonly sampleSizes: readonly number[]; readonly repeats: number };
  readonly overOptimization?: { readonly factors: readonly number[] };
  readonly coverage?: Record<string, never>;
  readonly sampleEfficiency?: SampleEfficiencySpec;
  /** The code that runs it (gsh version, checkout, plugin contents): part of its fingerprint. */
  readonly code?: CodeIdentity;
}

/** The first value that occurs twice, or undefined. */
function firstRepeat<T>(values: readonly T[]): T | undefined {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}

const pathOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");

function invalid(source: string, path: string, message: string): GshError {
  return { _tag: "InvalidArgument", field: `${source}: ${path || "(suite)"}`, message };
}

/** Parses the text of a suite file (JSON, or YAML when the name ends in .yaml/.yml). */
export function parseSuiteText(
  text: string,
  source: string,
  overrides: readonly string[] = [],
): E.Either<GshError, SuiteFile> {
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(source) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    return E.left({
      _tag: "ParseError",
      source,
      line: 0,
      field: "(file)",
      message: (e as Error).message.split("\n")[0],
    });
  }
  for (const o of overrides) {
    const applied = applyOverride(raw, o);
    if (E.isLeft(applied)) return applied;
  }
  const r = suiteFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    return E.left(invalid(source, pathOf(issue.path), issue.message));
  }
  return E.right(r.data);
}

/**
 * Applies one `--set path=value` to a parsed suite before validation, so the schema then checks the result and names
 * the field. The path is dot-separated; under `environments` and `algorithms` a segment picks the entry by label
 * (or name when unlabelled), e.g. `seeds=3`, `budgets=[300, 1000]`, `algorithms.RSO N=64.params.syntheticPairs=4096`.
 * The value is YAML (numbers, lists, booleans, strings). Missing objects on the way are created.
 */
export function applyOverride(raw: unknown, spec: string): E.Either<GshError, void> {
  const bad = (message: string): E.Either<GshError, never> => E.left(invalidArgument("set", `${spec}: ${message}`));
  const eq = spec.indexOf("=");
  if (eq <= 0) return bad("expected path=value");
  const path = spec.slice(0, eq).split(".");
  let value: unknown;
  try {
    value = parseYaml(spec.slice(eq + 1));
  } catch (e) {
    return bad(`the value is not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof raw !== "object" || raw === null) return bad("the suite is not an object");
  let node = raw as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = node[key];
    if (Array.isArray(next) && (key === "environments" || key === "algorithms")) {
      const label = path[++i];
      const entries = next as ({ label?: unknown; name?: unknown } | null)[];
      const entry = entries.find((e) => e && typeof e === "object" && (e.label ?? e.name) === label);
      if (!entry)
        return bad(
          `no entry labelled '${label}' in ${key} (labels: ${entries.map((e) => String(e?.label ?? e?.name)).join(", ")})`,
        );
      if (i === path.length - 1) return bad(`give a field of ${key}.${label} to set`);
      node = entry;
      continue;
    }
    if (next === undefined) node[key] = {};
    else if (typeof next !== "object" || next === null || Array.isArray(next))
      return bad(`'${path.slice(0, i + 1).join(".")}' is not an object`);
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return E.right(undefined);
}

/** Resolves names and validates parameters against the registry (the file is named in every error). */
export function resolveSuite(
  file: SuiteFile,
  registry: Registry,
  source: string,
  baseDir: string,
): E.Either<BenchError, Suite> {
  const entries = (kind: "environments" | "algorithms"): E.Either<GshError, SuiteEntry[]> => {
    const out: SuiteEntry[] = [];
    const labels = new Set<string>();
    for (const [i, e] of file[kind].entries()) {
      const defs = kind === "environments" ? registry.environments : registry.algorithms;
      const def = defs.get(e.name);
      const missing = kind === "algorithms" ? registry.unavailable?.get(e.name) : undefined;
      if (!def && missing) return E.left(invalid(source, `${kind}[${i}].name`, `algorithm '${e.name}' ${missing}`));
      if (!def)
        return E.left(
          invalid(
            source,
            `${kind}[${i}].name`,
            `unknown ${kind === "environments" ? "environment" : "algorithm"} '${e.name}' (known: ${[...defs.keys()].join(", ")})`,
          ),
        );
      const p = def.params.safeParse(e.params);
      if (!p.success) {
        const issue = p.error.issues[0];
        return E.left(
          invalid(source, `${kind}[${i}].params${issue.path.length ? "." + pathOf(issue.path) : ""}`, issue.message),
        );
      }
      const label = e.label ?? e.name;
      // '|' separates the parts of a trial id: a label holding one could give two trials one id.
      if (label.includes("|"))
        return E.left(
          invalid(source, `${kind}[${i}].label`, `'${label}' contains '|', which separates a trial id's parts`),
        );
      const repeated = firstRepeat(e.budgets ?? []);
      if (repeated !== undefined)
        return E.left(invalid(source, `${kind}[${i}].budgets`, `budget ${repeated} is listed more than once`));
      if (labels.has(label)) return E.left(invalid(source, `${kind}[${i}].label`, `duplicate label '${label}'`));
      labels.add(label);
      const outside = e.budgets?.find((b) => !file.budgets.includes(b));
      if (outside !== undefined)
        return E.left(
          invalid(
            source,
            `${kind}[${i}].budgets`,
            `${outside} is not one of the suite's budgets (${file.budgets.join(", ")})`,
          ),
        );
      out.push({
        label,
        name: e.name,
        params: p.data as Record<string, unknown>,
        ...(def.kind === "algorithm" ? { track: def.track } : {}),
        ...(e.environments ? { environments: e.environments } : {}),
        ...(e.seeds ? { seeds: e.seeds } : {}),
        ...(e.budgets ? { budgets: e.budgets } : {}),
        ...(e.streams ? { streams: e.streams } : {}),
      });
    }
    return E.right(out);
  };
  const envs = entries("environments");
  if (E.isLeft(envs)) return envs;
  const algs = entries("algorithms");
  if (E.isLeft(algs)) return algs;
  const algLabels = new Set(algs.right.map((a) => a.label));
  const envLabels = new Set(envs.right.map((e) => e.label));
  // Every pairing in the grid must be possible: refused here, naming the entry, not as failed rows at run time.
  for (const [i, a] of algs.right.entries()) {
    const alg = registry.algorithms.get(a.name)!;
    for (const [j, l] of (a.environments ?? []).entries())
      if (!envLabels.has(l))
        return E.left(invalid(source, `algorithms[${i}].environments[${j}]`, `no environment labelled '${l}'`));
    for (const e of envs.right) {
      if (a.environments && !a.environments.includes(e.label)) continue;
      const env = registry.environments.get(e.name)!;
      const kind = env.environmentKind;
      if (!alg.supports.includes(kind))
        return E.left(
          invalid(
            source,
            `algorithms[${i}]`,
            `algorithm '${a.label}' (${a.name}) supports ${alg.supports.join(", ")} environments, not environment '${e.label}' (${kind}); restrict it with 'environments: [...]'`,
          ),
        );
      const responses = env.responsesPerPrompt?.(e.params);
      const why = alg.unsupported?.(
        { kind, ...(responses === undefined ? {} : { responsesPerPrompt: responses }) },
        a.params,
      );
      if (why)
        return E.left({
          _tag: "UnsupportedOnKind",
          algorithm: a.name,
          kind,
          reason: `${source}: algorithms[${i}]: '${a.label}' cannot run on environment '${e.label}' (${kind}): ${why}; restrict it with 'environments: [...]'`,
        });
    }
  }
  for (const [i, c] of file.comparisons.entries()) {
    for (const k of ["a", "b"] as const)
      if (!algLabels.has(c[k]))
        return E.left(invalid(source, `comparisons[${i}].${k}`, `no algorithm labelled '${c[k]}'`));
    for (const [j, e] of (c.environments ?? []).entries())
      if (!envLabels.has(e))
        return E.left(invalid(source, `comparisons[${i}].environments[${j}]`, `no environment labelled '${e}'`));
  }
  if (file.sampleEfficiency && !algLabels.has(file.sampleEfficiency.baseline))
    return E.left(
      invalid(source, "sampleEfficiency.baseline", `no algorithm labelled '${file.sampleEfficiency.baseline}'`),
    );
  // Checked here too: the CLI's --seeds overrides the file after its schema ran.
  if (typeof file.seeds === "number" && !(Number.isInteger(file.seeds) && file.seeds >= 1 && file.seeds <= 100_000))
    return E.left(invalid(source, "seeds", `must be an integer in [1, 100000], got ${file.seeds}`));
  const seeds = typeof file.seeds === "number" ? Array.from({ length: file.seeds }, (_, i) => i) : file.seeds;
  // A repeated seed or budget would give two trials one id (and --resume would count the second as done).
  const repeatedSeed = firstRepeat(seeds);
  if (repeatedSeed !== undefined)
    return E.left(invalid(source, "seeds", `seed ${repeatedSeed} is listed more than once`));
  const repeatedBudget = firstRepeat(file.budgets);
  if (repeatedBudget !== undefined)
    return E.left(invalid(source, "budgets", `budget ${repeatedBudget} is listed more than once`));
  const trials = envs.right.length * algs.right.length * file.budgets.length * seeds.length;
  if (trials > 5_000_000)
    return E.left(invalid(source, "seeds", `the grid has ${trials} trials; the limit is 5 000 000 (split the suite)`));
  // The largest instance must fit in memory: each environment estimates its own from its parameters.
  for (const [i, e] of envs.right.entries()) {
    const bytes = registry.environments.get(e.name)!.memoryBytes?.(e.params);
    if (bytes !== undefined && bytes > MEMORY_LIMIT_BYTES)
      return E.left(
        invalid(
          source,
          `environments[${i}].params`,
          `an instance of '${e.label}' needs about ${(bytes / 2 ** 30).toFixed(1)} GiB; the limit is ${MEMORY_LIMIT_BYTES / 2 ** 30} GiB`,
        ),
      );
  }
  return E.right({
    name: file.name,
    description: file.description ?? "",
    seeds,
    environments: envs.right,
    algorithms: algs.right,
    budgets: file.budgets,
    comparisons: file.comparisons,
    plugins: file.plugins,
    trialTimeoutSeconds: file.trialTimeoutSeconds,
    heapLimitMb: file.heapLimitMb,
    ...(file.klEstimators ? { klEstimators: file.klEstimators } : {}),
    ...(file.overOptimization ? { overOptimization: file.overOptimization } : {}),
    ...(file.coverage ? { coverage: {} } : {}),
    ...(file.sampleEfficiency ? { sampleEfficiency: file.sampleEfficiency } : {}),
    baseDir,
    code: codeIdentity(registry.plugins),
  });
}

/** The directory of the built-in suites shipped with this package. */
export const builtinSuitesDir = join(__dirname, "..", "suites");

/** A built-in suite name (`smoke`, `default`, `paper`) or a path to a suite file. */
export function suitePath(nameOrPath: string): string {
  return extname(nameOrPath) ? nameOrPath : join(builtinSuitesDir, `${nameOrPath}.yaml`);
}

/**
 * The suite restricted to the environments and algorithms whose label (or name when unlabelled) matches the given
 * regular expressions (`gsh bench --filter env:<re> --filter alg:<re>`; several of one kind are alternatives).
 * References to removed entries (an algorithm's `environments`, comparisons) are pruned; an empty result is an
 * error naming the filter.
 */
export function filterSuite(
  file: SuiteFile,
  filters: { readonly environments?: readonly RegExp[]; readonly algorithms?: readonly RegExp[] },
): E.Either<GshError, SuiteFile> {
  const keep = (res: readonly RegExp[] | undefined) => (e: { label?: string; name: string }) =>
    !res || res.length === 0 || res.some((r) => r.test(e.label ?? e.name));
  const environments = file.environments.filter(keep(filters.environments));
  if (environments.length === 0)
    return E.left(
      invalidArgument("filter", `no environment matches ${filters.environments!.map(String).join(" or ")}`),
    );
  const envLabels = new Set(environments.map((e) => e.label ?? e.name));
  const algorithms = file.algorithms
    .filter(keep(filters.algorithms))
    .map((a) => (a.environments ? { ...a, environments: a.environments.filter((l) => envLabels.has(l)) } : a))
    .filter((a) => !a.environments || a.environments.length > 0);
  if (algorithms.length === 0)
    return E.left(
      invalidArgument(
        "filter",
        `no algorithm matches ${(filters.algorithms ?? []).map(String).join(" or ")} on the kept environments`,
      ),
    );
  const algLabels = new Set(algorithms.map((a) => a.label ?? a.name));
  const comparisons = file.comparisons
    .filter((c) => algLabels.has(c.a) && algLabels.has(c.b))
    .map((c) => (c.environments ? { ...c, environments: c.environments.filter((l) => envLabels.has(l)) } : c))
    .filter((c) => !c.environments || c.environments.length > 0);
  // Sample efficiency is measured against its baseline: without it the filtered suite does not measure it.
  const sampleEfficiency =
    file.sampleEfficiency && algLabels.has(file.sampleEfficiency.baseline) ? file.sampleEfficiency : undefined;
  return E.right({ ...file, environments, algorithms, comparisons, sampleEfficiency });
}

/** The names of the built-in suites (`gsh bench --suite <name>`). */
export function builtinSuiteNames(): string[] {
  return readdirSync(builtinSuitesDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** Reads and parses a suite file (not yet resolved: plugins must be loaded first). */
export function readSuiteFile(
  path: string,
  overrides: readonly string[] = [],
): TE.TaskEither<GshError, { file: SuiteFile; baseDir: string }> {
  return async () => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      const builtin = dirname(path) === builtinSuitesDir;
      return E.left({
        _tag: "IOError",
        path,
        message: missing
          ? `no such suite${builtin ? `; the built-in suites are ${builtinSuiteNames().join(", ")}, or give a path to a .yaml/.json file` : " file"}`
          : (e as Error).message,
      });
    }
    const p = parseSuiteText(text, path, overrides);
    return E.isLeft(p) ? p : E.right({ file: p.right, baseDir: dirname(path) });
  };
}
