import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as TE from "fp-ts/lib/TaskEither";
import * as E from "fp-ts/lib/Either";
import { ALGORITHM_TRACKS, type AlgorithmDefinition, ENVIRONMENT_KINDS, isEnvironmentKind } from "@gsh/preference";
import type { EnvironmentDefinition } from "@gsh/testbeds";
import { builtinEnvironments } from "@gsh/testbeds/node";
import type { BenchError } from "./errors";
import { pluginTypeErrors } from "./plugin-typecheck";
import { offlineAlgorithms } from "@gsh/offline";
import { onlineAlgorithms } from "@gsh/online";
import { practicalAlgorithms } from "@gsh/practical";
import { neuralAlgorithms } from "@gsh/practical/neural";

/** Algorithms and environments by name: the built-ins plus whatever plugins added. */
export interface Registry {
  readonly algorithms: ReadonlyMap<string, AlgorithmDefinition>;
  readonly environments: ReadonlyMap<string, EnvironmentDefinition>;
  /** Absolute paths of the plugins loaded into this registry (workers load the same files). */
  readonly plugins: readonly string[];
  /** Built-in algorithms that cannot run here, with how to make them available (a suite naming one is refused). */
  readonly unavailable?: ReadonlyMap<string, string>;
}

/**
 * TF.js is an optional peer of @gsh/bench (286 MB installed): the neural algorithms register only where it resolves,
 * and a suite that names one without it is refused when it loads, with this hint.
 */
const TFJS_HINT =
  "needs TensorFlow.js, which is not installed here: npm install @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0";

function tfjsInstalled(): boolean {
  try {
    require.resolve("@tensorflow/tfjs");
    return true;
  } catch {
    return false;
  }
}

export function builtinRegistry(): Registry {
  const tf = tfjsInstalled();
  const algorithms = [
    ...offlineAlgorithms,
    ...onlineAlgorithms,
    ...practicalAlgorithms,
    ...(tf ? neuralAlgorithms : []),
  ];
  return {
    algorithms: new Map(algorithms.map((a) => [a.name, a])),
    environments: new Map(builtinEnvironments.map((e) => [e.name, e])),
    plugins: [],
    unavailable: new Map(tf ? [] : neuralAlgorithms.map((a) => [a.name, TFJS_HINT])),
  };
}

function isDefinition(v: unknown): v is AlgorithmDefinition | EnvironmentDefinition {
  return (
    typeof v === "object" &&
    v !== null &&
    ((v as { kind?: unknown }).kind === "algorithm" || (v as { kind?: unknown }).kind === "environment")
  );
}

/** Every definition a plugin module exports: `default` (one, an array or an object of them), or any named export. */
function definitionsOf(mod: Record<string, unknown>): unknown[] {
  const out = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (Array.isArray(value)) for (const v of value) visit(v, depth);
    else if (isDefinition(value)) out.add(value);
    else if (depth === 0 && typeof value === "object" && value !== null)
      for (const v of Object.values(value)) visit(v, 1);
    else if (depth === 0) out.add(value); // a named export that is not a definition: reported by validation
  };
  for (const [key, value] of Object.entries(mod)) if (key !== "__esModule") visit(value, key === "default" ? 0 : 1);
  return [...out];
}

function validateDefinition(
  d: unknown,
  specifier: string,
): E.Either<BenchError, AlgorithmDefinition | EnvironmentDefinition> {
  const fail = (message: string) => E.left<BenchError>({ _tag: "PluginError", specifier, message });
  if (!isDefinition(d))
    return fail(`exports a value that is not a definition (use defineAlgorithm / defineEnvironment): ${String(d)}`);
  if (typeof d.name !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(d.name))
    return fail(`a definition has an invalid name: ${JSON.stringify(d.name)}`);
  if (!d.params || typeof (d.params as { safeParse?: unknown }).safeParse !== "function")
    return fail(`'${d.name}' has no parameter schema (params must be a zod schema)`);
  if (d.kind === "algorithm" && typeof d.run !== "function") return fail(`algorithm '${d.name}' has no run function`);
  if (d.kind === "algorithm" && !(ALGORITHM_TRACKS as readonly unknown[]).includes(d.track))
    return fail(`algorithm '${d.name}' has track ${JSON.stringify(d.track)} (known: ${ALGORITHM_TRACKS.join(", ")})`);
  if (d.kind === "environment" && typeof d.create !== "function")
    return fail(`environment '${d.name}' has no create function`);
  if (d.kind === "environment" && !isEnvironmentKind(d.environmentKind))
    return fail(
      `environment '${d.name}' has unknown kind ${JSON.stringify(d.environmentKind)} (known: ${ENVIRONMENT_KINDS.join(", ")})`,
    );
  if (
    d.kind === "algorithm" &&
    !(Array.isArray(d.supports) && d.supports.length > 0 && d.supports.every(isEnvironmentKind))
  )
    return fail(
      `algorithm '${d.name}' supports ${JSON.stringify(d.supports)}; expected a non-empty list of ${ENVIRONMENT_KINDS.join(", ")}`,
    );
  return E.right(d);
}

/** Resolves a plugin specifier: a path (relative to `baseDir`) or a package name. */
export function resolvePluginSpecifier(specifier: string, baseDir: string): string {
  if (specifier.startsWith(".") || isAbsolute(specifier)) return resolve(baseDir, specifier);
  return require.resolve(specifier, { paths: [baseDir, process.cwd()] });
}

let gshResolutionRegistered = false;

/**
 * Makes `@gsh/*` imports in a plugin resolve to the packages this runner uses, wherever the plugin file lives (in
 * the repository root, in /tmp, in a project that has no node_modules of its own), so that a plugin needs no
 * install step and always sees the same `@gsh/bench` as the runner (one copy of `z`, one registry). A module
 * resolution hook (Node ≥ 20.6 `module.register`) re-resolves such specifiers as if imported from this file.
 */
async function registerGshResolution(): Promise<void> {
  if (gshResolutionRegistered) return;
  gshResolutionRegistered = true;
  // CommonJS plugins (and TypeScript ones, which tsx compiles to CommonJS outside "type": "module" packages) resolve
  // through Module._resolveFilename: when a `@gsh/*` request is not found from the plugin, retry from this module.
  const Module = (await import("node:module")).default as unknown as {
    _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string;
  };
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request: string, parent: unknown, ...rest: unknown[]) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (e) {
      if (!request.startsWith("@gsh/")) throw e;
      return original.call(this, request, module, ...rest);
    }
  };
  const { register } = (await import("node:module")) as { register?: (url: string) => void };
  if (!register) return;
  try {
    const parent = pathToFileURL(__filename).href;
    const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith("@gsh/")) return next(specifier, { ...context, parentURL: ${JSON.stringify(parent)} });
  return next(specifier, context);
}`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
  } catch {
    // Runtimes that sandbox module loading (Jest refuses module.register) keep their own resolution: nothing to add.
  }
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  await registerGshResolution();
  if (/\.(c|m)?ts$/.test(path)) {
    // TypeScript plugins are loaded through tsx (esbuild), so a contributor needs no build step.
    const { tsImport } = (await import("tsx/esm/api")) as {
      tsImport: (p: string, parent: string) => Promise<Record<string, unknown>>;
    };
    return tsImport(pathToFileURL(path).href, pathToFileURL(dirname(path) + "/").href);
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/**
 * How long one plugin may take to load (import, compile, top-level await), in seconds: GSH_PLUGIN_LOAD_TIMEOUT_S,
 * default 120. A plugin that takes longer (a top-level await that never settles) is a PluginError, in the main
 * thread and in every worker thread, instead of a run that ends silently or waits forever.
 */
export function pluginLoadTimeoutSeconds(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const v = Number(env.GSH_PLUGIN_LOAD_TIMEOUT_S);
  return Number.isFinite(v) && v > 0 ? v : 120;
}

/** Resolves with the promise, or rejects once `seconds` passed (the timer keeps the process alive meanwhile). */
async function withinSeconds<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish loading within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A load error as the user needs it: the compiler's own lines (esbuild's "Transform failed with 1 error:" is followed
 * by "file.ts:3:7: ERROR: …"), at most 12 of them, without the stack.
 */
function loadErrorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const lines = message.split("\n").filter((l) => l.trim() !== "" && !/^\s+at /.test(l));
  return lines.slice(0, 12).join("\n  ") + (lines.length > 12 ? "\n  …" : "");
}

/** Loads plugins into a copy of the registry, validating each definition; a clash with an existing name is an error. */
export function loadPlugins(
  base: Registry,
  specifiers: readonly string[],
  baseDir: string,
  options: {
    /** Type-check TypeScript plugins against gsh's declarations first (`pluginTypeErrors`); the CLI does. */
    readonly typecheck?: boolean;
  } = {},
): TE.TaskEither<BenchError, Registry> {
  return async () => {
    const algorithms = new Map(base.algorithms);
    const environments = new Map(base.environments);
    const resolved: string[] = [];
    for (const specifier of specifiers) {
      let mod: Record<string, unknown>;
      try {
        const path = resolvePluginSpecifier(specifier, baseDir);
        resolved.push(path);
        mod = await withinSeconds(importModule(path), pluginLoadTimeoutSeconds(), "it");
      } catch (e) {
        return E.left({
          _tag: "PluginError",
          specifier,
          message: `cannot load: ${loadErrorText(e)}`,
        });
      }
      const typeErrors = options.typecheck ? pluginTypeErrors(resolved[resolved.length - 1]) : [];
      if (typeErrors.length > 0)
        return E.left({
          _tag: "PluginError",
          specifier,
          message: `does not type-check against gsh's declarations (GSH_PLUGIN_TYPECHECK=0 skips this):\n  ${typeErrors
            .slice(0, 5)
            .join("\n  ")}${typeErrors.length > 5 ? `\n  … and ${typeErrors.length - 5} more` : ""}`,
        });
      const defs = definitionsOf(mod);
      if (defs.length === 0)
        return E.left({ _tag: "PluginError", specifier, message: "exports no algorithm or environment definitions" });
      for (const d of defs) {
        const v = validateDefinition(d, specifier);
        if (E.isLeft(v)) return v;
        const def = v.right;
        const target: Map<string, AlgorithmDefinition | EnvironmentDefinition> =
          def.kind === "algorithm" ? algorithms : environments;
        if (target.has(def.name))
          return E.left({ _tag: "PluginError", specifier, message: `${def.kind} '${def.name}' is already defined` });
        target.set(def.name, def);
      }
    }
    return E.right({
      algorithms: algorithms,
      environments: environments,
      plugins: [...base.plugins, ...resolved],
      ...(base.unavailable ? { unavailable: base.unavailable } : {}),
    });
  };
}
