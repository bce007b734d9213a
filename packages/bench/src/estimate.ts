import type { ResultRow } from "@gsh/report";
import { canonicalJson } from "./fingerprint";
import type { Trial } from "./trial";

export interface RunEstimate {
  /** Σ over the trials of their cell's median wall time in the earlier rows, divided by the workers. */
  readonly seconds: number;
  /** Trials with no earlier row of their cell under either key; not counted. */
  readonly unknown: number;
  /** Trials timed by their labels alone: no earlier row had their names, parameters and budget. */
  readonly byLabels: number;
}

/**
 * A run's wall time estimated from earlier runs' rows: each trial takes the median wall time of the rows whose
 * environment and algorithm have its names and parameters and whose budget is its own, from any suite (so a suite
 * never run, e.g. the paper suite, is timed by the default, sequence and text suites' rows), or else of the rows with
 * its (environment, algorithm, budget) labels. A lower bound, since it assumes no worker waits for the last long trial.
 */
export function estimateRunSeconds(trials: readonly Trial[], rows: readonly ResultRow[], workers: number): RunEstimate {
  const byLabels = new Map<string, number[]>();
  const byIdentity = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, k: string, ms: number) => {
    const list = map.get(k);
    if (list) list.push(ms);
    else map.set(k, [ms]);
  };
  const labels = (environment: string, algorithm: string, budget: number) =>
    JSON.stringify([environment, algorithm, budget]);
  const identity = (envName: string, envParams: unknown, algName: string, algParams: unknown, budget: number) =>
    `${envName}|${canonicalJson(envParams ?? {})}|${algName}|${canonicalJson(algParams ?? {})}|${budget}`;
  for (const r of rows) {
    add(byLabels, labels(r.environment, r.algorithm, r.budget), r.wallMs);
    if (r.environmentName && r.algorithmName)
      add(
        byIdentity,
        identity(r.environmentName, r.environmentParams, r.algorithmName, r.algorithmParams, r.budget),
        r.wallMs,
      );
  }
  // each cell's median once (the upper middle of an even count), not once per trial
  const medians = (map: Map<string, number[]>) =>
    new Map([...map].map(([k, xs]) => [k, xs.sort((a, b) => a - b)[xs.length >> 1]]));
  const identityMedians = medians(byIdentity);
  const labelMedians = medians(byLabels);
  let ms = 0;
  let unknown = 0;
  let labelled = 0;
  for (const t of trials) {
    let m = identityMedians.get(
      identity(t.environment.name, t.environment.params, t.algorithm.name, t.algorithm.params, t.budget),
    );
    if (m === undefined) {
      m = labelMedians.get(labels(t.environment.label, t.algorithm.label, t.budget));
      if (m !== undefined) labelled++;
    }
    if (m === undefined) unknown++;
    else ms += m;
  }
  return { seconds: ms / 1000 / workers, unknown, byLabels: labelled };
}
