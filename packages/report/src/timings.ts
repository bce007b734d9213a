// Where a suite's time goes, from the wall time every row carries: per algorithm × environment and per environment,
// so each speed-up is chosen from data. Rows' wall times include whatever else ran on the machine, so a profile of a
// loaded run ranks entries correctly only as far as the load was even.
import { type SummaryStyle, table } from "./aggregate";
import type { ResultRow } from "./result-row";

/** One algorithm on one environment, over all its budgets and seeds. */
export interface TimingEntry {
  readonly environment: string;
  readonly algorithm: string;
  readonly trials: number;
  readonly failed: number;
  /** Median of the trials' wall times, in seconds. */
  readonly medianSeconds: number;
  /** The longest trial, in seconds. */
  readonly maxSeconds: number;
  /** Sum of the trials' wall times, in seconds. */
  readonly totalSeconds: number;
  /** totalSeconds as a fraction of the profile's total. */
  readonly share: number;
}

export interface EnvironmentTiming {
  readonly environment: string;
  /** How many algorithms ran on it. */
  readonly algorithms: number;
  readonly trials: number;
  readonly totalSeconds: number;
  readonly share: number;
}

export interface TimingProfile {
  /** Costliest first (ties: suite order of first appearance). */
  readonly entries: readonly TimingEntry[];
  readonly environments: readonly EnvironmentTiming[];
  readonly trials: number;
  /** Sum of all trials' wall times: the worker-seconds a run needs, before scheduling gaps. */
  readonly totalSeconds: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Groups rows by (environment, algorithm) in order of first appearance and sums their wall times. */
export function timingProfile(rows: readonly ResultRow[]): TimingProfile {
  const groups = new Map<string, { environment: string; algorithm: string; seconds: number[]; failed: number }>();
  for (const r of rows) {
    const key = JSON.stringify([r.environment, r.algorithm]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { environment: r.environment, algorithm: r.algorithm, seconds: [], failed: 0 }));
    g.seconds.push(r.wallMs / 1000);
    if (r.status !== "ok") g.failed++;
  }
  const totalSeconds = [...groups.values()].reduce((s, g) => s + g.seconds.reduce((a, b) => a + b, 0), 0);
  const share = (x: number) => (totalSeconds > 0 ? x / totalSeconds : 0);
  const order = [...groups.values()].map((g, i) => {
    const sorted = [...g.seconds].sort((a, b) => a - b);
    const total = sorted.reduce((a, b) => a + b, 0);
    const entry: TimingEntry = {
      environment: g.environment,
      algorithm: g.algorithm,
      trials: sorted.length,
      failed: g.failed,
      medianSeconds: median(sorted),
      maxSeconds: sorted[sorted.length - 1],
      totalSeconds: total,
      share: share(total),
    };
    return { entry, i };
  });
  order.sort((a, b) => b.entry.totalSeconds - a.entry.totalSeconds || a.i - b.i);
  const envs = new Map<string, { algorithms: number; trials: number; totalSeconds: number }>();
  for (const { entry } of [...order].sort((a, b) => a.i - b.i)) {
    const e = envs.get(entry.environment) ?? { algorithms: 0, trials: 0, totalSeconds: 0 };
    envs.set(entry.environment, {
      algorithms: e.algorithms + 1,
      trials: e.trials + entry.trials,
      totalSeconds: e.totalSeconds + entry.totalSeconds,
    });
  }
  return {
    entries: order.map((o) => o.entry),
    environments: [...envs].map(([environment, e]) => ({ environment, ...e, share: share(e.totalSeconds) })),
    trials: rows.length,
    totalSeconds,
  };
}

const seconds = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The profile as tables: algorithm × environment costliest first (the first `top`, the rest summed in one line),
 * then per environment, then the total and what it means on `workers` workers.
 */
export function formatTimings(
  profile: TimingProfile,
  opts: { readonly top?: number; readonly workers?: number; readonly style?: SummaryStyle } = {},
): string {
  const style = opts.style ?? "text";
  const top = opts.top ?? profile.entries.length;
  const shown = profile.entries.slice(0, top);
  const rest = profile.entries.slice(top);
  const body = shown.map((e) => [
    e.environment,
    e.algorithm,
    String(e.trials) + (e.failed ? ` (${e.failed} failed)` : ""),
    seconds(e.medianSeconds),
    seconds(e.maxSeconds),
    seconds(e.totalSeconds),
    percent(e.share),
  ]);
  if (rest.length) {
    const t = rest.reduce((s, e) => s + e.totalSeconds, 0);
    const n = rest.reduce((s, e) => s + e.trials, 0);
    body.push([`(${rest.length} more)`, "", String(n), "", "", seconds(t), percent(t / (profile.totalSeconds || 1))]);
  }
  const parts = [
    table(["environment", "algorithm", "trials", "median s", "max s", "total s", "share"], body, style),
    table(
      ["environment", "algorithms", "trials", "total s", "share"],
      profile.environments.map((e) => [
        e.environment,
        String(e.algorithms),
        String(e.trials),
        seconds(e.totalSeconds),
        percent(e.share),
      ]),
      style,
    ),
  ];
  const workers = opts.workers;
  parts.push(
    `${profile.trials} trials, ${seconds(profile.totalSeconds)} s of trial wall time in all` +
      (workers && workers > 0
        ? `: at least ${seconds(profile.totalSeconds / workers)} s on ${workers} worker${workers > 1 ? "s" : ""}` +
          ` if none ever waits`
        : "") +
      ".\nWall times include whatever else ran on the machine: compare profiles taken under the same load.",
  );
  return parts.join("\n\n");
}
