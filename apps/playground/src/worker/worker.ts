// The worker that runs gsh for the page: the catalogue, runs (each trial through the bench runner's own `runTrial`,
// so a row here is the row `gsh bench` writes for that trial, wallMs aside) and the labeller. The page stays
// responsive because everything numeric happens here.
import * as E from "fp-ts/lib/Either";
import { expandTrials, runTrial } from "../../../../packages/bench/src/trial";
import type { AlgorithmEntry, EnvironmentEntry, FromWorker, RunSpec, ToWorker } from "../protocol";
import { PLAYGROUND_ENVIRONMENTS, isNeural, playgroundRegistry } from "./registry";
import { resolveRun, suiteRecord } from "./suite";
import { ensureTextAsset } from "./text-asset";
import { labelStep } from "./labeller";

const registry = playgroundRegistry();
const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

function defaultsOf(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }) {
  const r = schema.safeParse({});
  return r.success ? (r.data as Record<string, unknown>) : null;
}

function catalogue(): FromWorker {
  const environments: EnvironmentEntry[] = PLAYGROUND_ENVIRONMENTS.map((n) => registry.environments.get(n)!).map(
    (e) => ({
      name: e.name,
      description: e.description,
      environmentKind: e.environmentKind,
      defaults: defaultsOf(e.params),
    }),
  );
  const algorithms: AlgorithmEntry[] = [...registry.algorithms.values()].map((a) => ({
    name: a.name,
    description: a.description,
    track: a.track,
    supports: a.supports,
    defaults: defaultsOf(a.params),
    neural: isNeural(a.name),
  }));
  return { type: "catalogue", environments, algorithms };
}

/** Seed by seed, each algorithm in turn, so two algorithms compared side by side advance together. */
async function run(runId: number, spec: RunSpec, skip: readonly string[]) {
  if (spec.environment.name === "T") await ensureTextAsset();
  const suite = resolveRun(spec, registry);
  if (E.isLeft(suite)) return post({ type: "error", runId, message: suite.left });
  const record = suiteRecord(suite.right, new Date().toISOString());
  const order = new Map(suite.right.algorithms.map((a, i) => [a.label, i]));
  const trials = expandTrials(suite.right).sort(
    (a, b) => a.seed - b.seed || order.get(a.algorithm.label)! - order.get(b.algorithm.label)!,
  );
  post({ type: "suite", runId, trialIds: trials.map((t) => t.id), suite: record, fingerprint: record.fingerprint });
  const done = new Set(skip);
  for (const trial of trials) {
    if (done.has(trial.id)) continue;
    const row = await runTrial(trial, registry);
    post({ type: "row", runId, row, raw: row });
  }
  post({ type: "done", runId });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  const fail = (err: unknown, runId?: number) =>
    post({ type: "error", runId, message: err instanceof Error ? err.message : String(err) });
  try {
    if (m.type === "catalogue") post(catalogue());
    else if (m.type === "run") run(m.runId, m.spec, m.skip).catch((err) => fail(err, m.runId));
    else if (m.type === "label")
      labelStep(m.spec, m.labels)
        .then((state) => post({ type: "label-state", state }))
        .catch((err) => fail(err));
  } catch (err) {
    fail(err);
  }
};
