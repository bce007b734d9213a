import type { ResultRow } from "@gsh/report";
import type { Trial } from "./trial";

export interface RunEstimate {
  /** Σ over the trials of their cell's median wall time in the earlier rows, divided by the workers. */
  readonly seconds: number;
  /** Trials whose (environment, algorithm, budget) cell has no row to time it by; not counted. */
  readonly unknown: number;
}

/**
 * A run's wall time estimated from an earlier run's rows (matched by environment, algorithm and budget labels): a
 * lower bound, since it assumes no worker waits for the last long trial.
 */
export function estimateRunSeconds(trials: readonly Trial[], rows: readonly ResultRow[], workers: number): RunEstimate {
  const key = (environment: string, algorithm: string, budget: number) =>
    JSON.stringify([environment, algorithm, budget]);
  const times = new Map<string, number[]>();
  for (const r of rows) {
    const k = key(r.environment, r.algorithm, r.budget);
    const list = times.get(k) ?? [];
    list.push(r.wallMs);
    times.set(k, list);
  }
  const medians = new Map([...times].map(([k, xs]) => [k, [...xs].sort((a, b) => a - b)[xs.length >> 1]]));
  let ms = 0;
  let unknown = 0;
  for (const t of trials) {
    const m = medians.get(key(t.environment.label, t.algorithm.label, t.budget));
    if (m === undefined) unknown++;
    else ms += m;
  }
  return { seconds: ms / 1000 / workers, unknown };
}
