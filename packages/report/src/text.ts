import type { OkRow, ResultRow, TextSample } from "./result-row";

interface SentenceLine {
  readonly policy: string;
  readonly budget: number | null;
  readonly subopt: number;
  readonly klToReference: number;
  readonly samples: readonly TextSample[];
}

/**
 * For each environment whose rows carry sentences (text testbeds): π0's and π*'s sentences, then each algorithm's at
 * each budget (its lowest-seed ok row), with the exact SubOpt and KL of that row and the sentences' mean valence.
 * Environments and algorithms keep the rows' first-appearance order (`algorithms`, the suite's order, first when
 * given), budgets ascend.
 */
export function sentenceLines(
  rows: readonly ResultRow[],
  algorithms: readonly string[] = [],
): { environment: string; lines: SentenceLine[] }[] {
  const byEnv = new Map<string, Map<string, OkRow>>();
  for (const r of rows) {
    if (r.status !== "ok" || !r.sentences) continue;
    const env = byEnv.get(r.environment) ?? new Map<string, OkRow>();
    byEnv.set(r.environment, env);
    const key = `${r.algorithm}\u0000${r.budget}`;
    const have = env.get(key);
    if (!have || r.seed < have.seed) env.set(key, r);
  }
  return [...byEnv].map(([environment, cells]) => {
    const first = [...cells.values()][0].sentences!;
    const lines: SentenceLine[] = [
      { policy: "π0", budget: null, ...first.referenceMetrics, samples: first.reference },
      { policy: "π*", budget: null, ...first.optimalMetrics, samples: first.optimal },
    ];
    const algs = [...new Set([...algorithms, ...[...cells.values()].map((r) => r.algorithm)])];
    const order = [...cells.values()].sort(
      (a, b) => algs.indexOf(a.algorithm) - algs.indexOf(b.algorithm) || a.budget - b.budget,
    );
    for (const r of order)
      lines.push({
        policy: `${r.algorithm} (seed ${r.seed})`,
        budget: r.budget,
        subopt: r.metrics.subopt ?? Number.NaN,
        klToReference: r.metrics.klToReference,
        samples: r.sentences!.policy,
      });
    return { environment, lines };
  });
}

const meanValence = (s: readonly TextSample[]) => s.reduce((a, x) => a + x.valence, 0) / Math.max(1, s.length);

/** The sentences as HTML tables (one per environment), or "" when no row has any. */
export function sentencesHtml(
  rows: readonly ResultRow[],
  esc: (s: string) => string,
  algorithms: readonly string[] = [],
): string {
  const envs = sentenceLines(rows, algorithms);
  if (envs.length === 0) return "";
  const blocks = envs.map(({ environment, lines }) => {
    const body = lines
      .map(
        (l) =>
          `<tr><td>${esc(l.policy)}</td><td>${l.budget ?? "—"}</td><td>${l.subopt.toFixed(4)}</td><td>${l.klToReference.toFixed(3)}</td><td>${meanValence(l.samples).toFixed(2)}</td><td class="sentences"><ol>${l.samples
            .map(
              (s) =>
                `<li>${esc(s.text)} <small>(valence ${s.valence.toFixed(2)}, r* ${s.reward.toFixed(3)})</small></li>`,
            )
            .join("")}</ol></td></tr>`,
      )
      .join("\n");
    return `<h3>${esc(environment)}</h3><table class="text"><tr><th>policy</th><th>budget</th><th>SubOpt</th><th>KL to π0</th><th>mean valence</th><th>sentences (same random streams in every row)</th></tr>\n${body}</table>`;
  });
  return `<h2>Sentences</h2><p>One sampled sentence per prompt (the first five prompts) from π0, from π* and from each trained policy (its lowest seed), drawn with the same random numbers in every row, so differences come from the policies. Valence is the mean AFINN-165 score (−5…5) of a sentence's words; r* is its exact reward; SubOpt and KL are the policy's exact values.</p>${blocks.join("\n")}`;
}

/** The same as Markdown (for summary.md). */
export function sentencesMarkdown(rows: readonly ResultRow[], algorithms: readonly string[] = []): string {
  return sentenceLines(rows, algorithms)
    .map(({ environment, lines }) =>
      [
        `## Sentences: ${environment}`,
        "",
        ...lines.flatMap((l) => [
          `**${l.policy}**${l.budget === null ? "" : `, ${l.budget} queries`}: SubOpt ${l.subopt.toFixed(4)}, KL to π0 ${l.klToReference.toFixed(3)}, mean valence ${meanValence(l.samples).toFixed(2)}`,
          "",
          ...l.samples.map((s, i) => `${i + 1}. ${s.text}`),
          "",
        ]),
      ].join("\n"),
    )
    .join("\n");
}
