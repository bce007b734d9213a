// Piscina worker: runs one trial. Plugins are loaded once per worker, from the same absolute paths as the main thread.
import * as E from "fp-ts/lib/Either";
import { formatBenchError } from "./errors";
import { builtinRegistry, loadPlugins, type Registry } from "./registry";
import { runTrial, type Trial } from "./trial";

let cached: { key: string; registry: Registry } | null = null;

async function registryFor(plugins: string[]): Promise<Registry> {
  const key = plugins.join("\n");
  if (!cached || cached.key !== key) {
    const r = await loadPlugins(builtinRegistry(), plugins, process.cwd())();
    if (E.isLeft(r)) throw new Error(formatBenchError(r.left));
    cached = { key, registry: r.right };
  }
  return cached.registry;
}

/**
 * A trial, or a warm-up (load the plugins before any trial's clock starts). `started[0]` is set to 1 once the plugins
 * are loaded, when the trial itself begins: the runner starts the trial's clock there, so a worker that replaces a
 * stopped one (and compiles the plugins again) does not spend the next trial's time.
 */
export default async function runInWorker(task: { trial?: Trial; plugins: string[]; started?: Int32Array }) {
  const registry = await registryFor(task.plugins);
  if (task.started) Atomics.store(task.started, 0, 1);
  return task.trial ? runTrial(task.trial, registry) : null;
}
