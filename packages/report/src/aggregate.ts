import { type MeanSummary, pairedVerdict, summarize } from "@gsh/core";
import type { OkRow, ResultRow } from "./result-row";
import type { Comparison } from "./suite-record";

export interface CellSummary {
  readonly environment: string;
  readonly algorithm: string;
  readonly budget: number;
  readonly ok: number;
  readonly failed: number;
  readonly subopt: MeanSummary;
  readonly trueReward: MeanSummary;
  readonly klToReference: MeanSummary;
  readonly queries: MeanSummary;
  readonly wallMs: MeanSummary;
  /** Non-transitive environments only (empty summaries elsewhere). */
  readonly winRateVsReference: MeanSummary;
  readonly winRateVsReferenceMode: MeanSummary;
  /** Some of the cell's metrics are Monte-Carlo estimates (sampler policies), not exact values. */
  readonly estimated: boolean;
  /** In how many seeds the confidence event ‖θ̂ − θ*‖_Σ ≤ β held, of those that report one. */
  readonly confidenceHeld: { readonly held: number; readonly of: number };
}

export interface ComparisonVerdict {
  readonly a: string;
  readonly b: string;
  readonly environment: string;
  readonly budget: number;
  readonly pairs: number;
  readonly wins: number;
  readonly meanDifference: number;
  readonly stderr: number;
  readonly relativeGain: number;
  /** "A beats B", "B beats A" or "no verdict" by the spec's rule (paired difference > 2 SE and ≥ 10% gain). */
  readonly verdict: string;
  readonly note?: string;
  /** The side the paper's claim expects to win ("none": no claim), from the suite's comparison. */
  readonly expected: "A" | "B" | "none";
  /**
   * The claim by the verdict rule: "holds" (the expected side beats the other), "fails" (the other side beats it),
   * "undetermined" (no verdict); null where nothing is expected.
   */
  readonly claim: ClaimStatus | null;
  /**
   * The effect for display: mean over seeds of the paired log(score_A / score_B) (negative: A better) with its
   * 95% t half-width on n − 1 degrees of freedom; null where a score is not positive in some seed.
   */
  readonly logRatio: MeanSummary | null;
}

export type ClaimStatus = "holds" | "fails" | "undetermined";

/** What the verdict says of a claim that `expected` wins. */
export function claimStatus(expected: "A" | "B" | "none", aBeatsB: boolean, bBeatsA: boolean): ClaimStatus | null {
  if (expected === "none") return null;
  const [won, lost] = expected === "A" ? [aBeatsB, bBeatsA] : [bBeatsA, aBeatsB];
  return won ? "holds" : lost ? "fails" : "undetermined";
}

/** Mean and t interval of the paired log-ratios log(a_i / b_i); null unless every score is positive. */
export function pairedLogRatio(a: readonly number[], b: readonly number[]): MeanSummary | null {
  if (a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) return null;
  return summarize(a.map((x, i) => Math.log(x / b[i])));
}

const key = (e: string, a: string, b: number) => `${e}\u0000${a}\u0000${b}`;

/** Mean ± 95% CI per (environment, algorithm, budget), in suite order. */
export function summarizeCells(
  rows: readonly ResultRow[],
  order?: { readonly environments: readonly string[]; readonly algorithms: readonly string[] },
): CellSummary[] {
  const groups = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const k = key(r.environment, r.algorithm, r.budget);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  // Suite order (environment, then algorithm, then budget), not the order in which parallel workers finished;
  // labels the suite does not list keep their first appearance, after the listed ones.
  const rank = (list: readonly string[] | undefined, label: string) => {
    const i = list ? list.indexOf(label) : -1;
    return i < 0 ? Infinity : i;
  };
  const sorted = [...groups.values()].sort((a, b) => {
    const ra = a[0],
      rb = b[0];
    return (
      rank(order?.environments, ra.environment) - rank(order?.environments, rb.environment) ||
      rank(order?.algorithms, ra.algorithm) - rank(order?.algorithms, rb.algorithm) ||
      ra.budget - rb.budget
    );
  });
  return sorted.map((g) => {
    const ok = g.filter((r): r is OkRow => r.status === "ok");
    const pick = (f: (r: OkRow) => number | null | undefined) =>
      summarize(ok.map(f).filter((v): v is number => typeof v === "number"));
    const conf = ok.filter((r) => r.metrics.confidenceHeld !== null);
    return {
      environment: g[0].environment,
      algorithm: g[0].algorithm,
      budget: g[0].budget,
      ok: ok.length,
      failed: g.length - ok.length,
      subopt: pick((r) => r.metrics.subopt),
      trueReward: pick((r) => r.metrics.trueReward),
      klToReference: pick((r) => r.metrics.klToReference),
      queries: pick((r) => r.metrics.queries),
      wallMs: pick((r) => r.wallMs),
      confidenceHeld: { held: conf.filter((r) => r.metrics.confidenceHeld).length, of: conf.length },
      winRateVsReference: pick((r) => r.metrics.winRateVsReference),
      winRateVsReferenceMode: pick((r) => r.metrics.winRateVsReferenceMode),
      estimated: ok.some((r) => r.metrics.estimated === true),
    };
  });
}

/** The suite's declared comparisons, paired by seed, per environment and budget. */
export function compare(rows: readonly ResultRow[], comparisons: readonly Comparison[]): ComparisonVerdict[] {
  const bySeed = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.status !== "ok" || !r.metrics) continue;
    const k = key(r.environment, r.algorithm, r.budget);
    if (!bySeed.has(k)) bySeed.set(k, new Map());
    // Verdicts compare SubOpt; non-transitive rows (no r*) compare the loss rate 1 − P(π ≻ π0) instead.
    const score =
      r.metrics.subopt ?? (r.metrics.winRateVsReference !== undefined ? 1 - r.metrics.winRateVsReference : null);
    if (score !== null) bySeed.get(k)!.set(r.seed, score);
  }
  const envs = [...new Set(rows.map((r) => r.environment))];
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((x, y) => x - y);
  const out: ComparisonVerdict[] = [];
  for (const c of comparisons) {
    for (const environment of c.environments ?? envs) {
      for (const budget of budgets) {
        const A = bySeed.get(key(environment, c.a, budget));
        const B = bySeed.get(key(environment, c.b, budget));
        if (!A || !B) continue;
        const seeds = [...A.keys()].filter((s) => B.has(s)).sort((x, y) => x - y);
        if (seeds.length < 2) continue;
        const a = seeds.map((s) => A.get(s)!);
        const b = seeds.map((s) => B.get(s)!);
        const ab = pairedVerdict(a, b);
        const ba = pairedVerdict(b, a);
        const verdict = ab.aBeatsB ? `${c.a} beats ${c.b}` : ba.aBeatsB ? `${c.b} beats ${c.a}` : "no verdict";
        const expected = c.expected ?? "none";
        out.push({
          a: c.a,
          b: c.b,
          environment,
          budget,
          pairs: seeds.length,
          wins: ab.wins,
          meanDifference: ab.meanDifference,
          stderr: ab.stderr,
          relativeGain: ab.relativeGain,
          verdict,
          ...(c.note ? { note: c.note } : {}),
          expected,
          claim: claimStatus(expected, ab.aBeatsB, ba.aBeatsB),
          logRatio: pairedLogRatio(a, b),
        });
      }
    }
  }
  return out;
}

/** The best algorithm of one environment and budget, and those the verdict rule cannot separate from it. */
export interface Leader {
  readonly environment: string;
  readonly budget: number;
  readonly leader: string;
  readonly mean: number;
  /** Algorithms the leader does not beat by the verdict rule (paired by seed), in suite order. */
  readonly withinNoise: readonly string[];
  /** Algorithms compared (those with SubOpt at this budget on at least 2 shared seeds). */
  readonly of: number;
  /** The leader's seeds: with fewer than 2 the verdict rule cannot separate anything. */
  readonly seeds: number;
}

/**
 * Per environment and budget, the algorithm of lowest mean SubOpt and the ones it does not beat by the comparisons'
 * rule (paired difference > 2 SE and ≥ 10% gain, over shared seeds): "which rule wins here" for every cell of a
 * suite, not only the declared pairs. Cells are taken in the order of `cells` (suite order).
 */
export function leaders(rows: readonly ResultRow[], cells: readonly CellSummary[]): Leader[] {
  const bySeed = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.status !== "ok" || r.metrics.subopt === null) continue;
    const k = key(r.environment, r.algorithm, r.budget);
    if (!bySeed.has(k)) bySeed.set(k, new Map());
    bySeed.get(k)!.set(r.seed, r.metrics.subopt);
  }
  const out: Leader[] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    const cellKey = `${c.environment}\u0000${c.budget}`;
    if (seen.has(cellKey)) continue;
    seen.add(cellKey);
    const here = cells.filter((x) => x.environment === c.environment && x.budget === c.budget && x.subopt.n > 0);
    if (here.length < 2) continue;
    const best = here.reduce((a, b) => (b.subopt.mean < a.subopt.mean ? b : a));
    const A = bySeed.get(key(c.environment, best.algorithm, c.budget))!;
    const withinNoise: string[] = [];
    let of = 1;
    for (const other of here) {
      if (other === best) continue;
      const B = bySeed.get(key(c.environment, other.algorithm, c.budget));
      const seeds = B ? [...A.keys()].filter((s) => B.has(s)) : [];
      if (seeds.length < 2) continue;
      of++;
      const v = pairedVerdict(
        seeds.map((s) => A.get(s)!),
        seeds.map((s) => B!.get(s)!),
      );
      if (!v.aBeatsB) withinNoise.push(other.algorithm);
    }
    out.push({
      environment: c.environment,
      budget: c.budget,
      leader: best.algorithm,
      mean: best.subopt.mean,
      withinNoise,
      of,
      seeds: A.size,
    });
  }
  return out;
}

/** The leaders as table rows: environment, budget, leader (mean SubOpt), the algorithms within noise of it. */
export function leaderRows(list: readonly Leader[]): string[][] {
  return list.map((l) => [
    l.environment,
    String(l.budget),
    `${l.leader} (${l.mean.toPrecision(3)})`,
    l.seeds < 2 ? `${l.seeds} seed: no verdict possible` : l.withinNoise.length ? l.withinNoise.join(", ") : "none",
    String(l.of),
  ]);
}

export const LEADER_HEADER = ["environment", "budget", "lowest mean SubOpt", "not separable from it", "algorithms"];

/** "mean ± 95% half-width" at `digits` decimals, "—" where there is no value (the summary's and the report's cells). */
export const formatInterval = (s: MeanSummary, digits = 4) =>
  Number.isNaN(s.mean) ? "—" : `${s.mean.toFixed(digits)} ± ${Number.isNaN(s.ci95) ? "—" : s.ci95.toFixed(digits)}`;

export function table(header: string[], body: string[][], style: SummaryStyle): string {
  if (style === "markdown") {
    // GitHub-flavoured Markdown: the first two columns are names (left), the rest numbers (right); | is escaped.
    const esc = (c: string) => c.replace(/\|/g, "\\|");
    const row = (cells: string[]) => `| ${cells.map(esc).join(" | ")} |`;
    return [row(header), `|${header.map((_, i) => (i < 2 ? " --- " : " ---: ")).join("|")}|`, ...body.map(row)].join(
      "\n",
    );
  }
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(header), w.map((x) => "-".repeat(x)).join("  "), ...body.map(line)].join("\n");
}

/** Plain text for terminals and summary.txt, or Markdown tables (summary.md, `gsh report --format md`). */
export type SummaryStyle = "text" | "markdown";

/** The summary: one line per cell, then the verdicts. */
export function formatSummary(
  cells: readonly CellSummary[],
  verdicts: readonly ComparisonVerdict[],
  style: SummaryStyle = "text",
): string {
  const body = cells.map((c) => [
    c.environment,
    c.algorithm,
    String(c.budget),
    c.subopt.n === 0 && c.winRateVsReference.n > 0
      ? `win rate vs π0 ${formatInterval(c.winRateVsReference, 3)}`
      : formatInterval(c.subopt) + (c.estimated ? " (MC)" : ""),
    formatInterval(c.trueReward, 3),
    formatInterval(c.klToReference, 3),
    c.queries.mean.toFixed(0),
    `${c.ok}/${c.ok + c.failed}`,
    c.confidenceHeld.of ? `${c.confidenceHeld.held}/${c.confidenceHeld.of}` : "",
  ]);
  const parts = [
    table(
      [
        "environment",
        "algorithm",
        "budget",
        "SubOpt (95% CI)",
        "true reward",
        "KL to π0",
        "queries",
        "ok",
        "‖θ̂−θ*‖_Σ≤β",
      ],
      body,
      style,
    ),
  ];
  if (verdicts.length) {
    const vb = verdicts.map((v) => [
      v.environment,
      `${v.a} vs ${v.b}`,
      String(v.budget),
      `${v.meanDifference >= 0 ? "+" : ""}${v.meanDifference.toFixed(4)} ± ${v.stderr.toFixed(4)}`,
      `${(100 * v.relativeGain).toFixed(0)}%`,
      `${v.wins}/${v.pairs}`,
      v.verdict,
    ]);
    const heading = "Comparisons (SubOpt, paired by seed; A beats B when the mean gain > 2 SE and ≥ 10%):";
    parts.push(
      "",
      ...(style === "markdown" ? [`## ${heading.replace(/:$/, "")}`, ""] : [heading]),
      table(["environment", "comparison", "budget", "SubOpt(B) − SubOpt(A)", "gain", "A wins", "verdict"], vb, style),
    );
  }
  return parts.join("\n");
}
