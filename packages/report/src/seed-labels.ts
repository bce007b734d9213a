import type { ResultRow } from "./result-row";
import type { ReportSuite } from "./suite-record";

const SEEDS_IN_LABEL = /,\s*(\d+)\s+seeds?\s*$/i;

/**
 * Suites name costly entries by their seed count ("online enhancer, 3 seeds"); run with fewer seeds (`--seeds 1`)
 * such a label would state a count the report does not have. Those labels are rewritten to the number of seeds
 * their rows hold ("online enhancer, 1 seed"), in the rows and in the suite's algorithm list and comparisons, for the
 * report only (results.jsonl and results.csv keep the suite's labels).
 */
export function relabelSeedCounts(
  rows: readonly ResultRow[],
  suite: ReportSuite,
): { rows: readonly ResultRow[]; suite: ReportSuite } {
  const seeds = new Map<string, Set<number>>();
  for (const r of rows) {
    const s = seeds.get(r.algorithm) ?? new Set<number>();
    s.add(r.seed);
    seeds.set(r.algorithm, s);
  }
  const renamed = new Map<string, string>();
  for (const [label, s] of seeds) {
    const m = SEEDS_IN_LABEL.exec(label);
    if (m && Number(m[1]) !== s.size)
      renamed.set(label, label.replace(SEEDS_IN_LABEL, `, ${s.size} seed${s.size === 1 ? "" : "s"}`));
  }
  if (!renamed.size) return { rows, suite };
  const name = (l: string) => renamed.get(l) ?? l;
  return {
    rows: rows.map((r) => (renamed.has(r.algorithm) ? { ...r, algorithm: name(r.algorithm) } : r)),
    suite: {
      ...suite,
      algorithms: suite.algorithms?.map((a) => (a.label ? { ...a, label: name(a.label) } : a)),
      comparisons: suite.comparisons?.map((c) => ({ ...c, a: name(c.a), b: name(c.b) })),
    },
  };
}
