import type { OkRow, ResultRow, SentenceExpectation, TextSample } from "./result-row";

interface SentenceLine {
  readonly policy: string;
  readonly budget: number | null;
  readonly subopt: number;
  readonly klToReference: number;
  /** Exact E r*, E[AFINN total] and E[positive words] per sentence under the policy (rows from @6 on). */
  readonly expected?: SentenceExpectation;
  readonly samples: readonly TextSample[];
}

/**
 * For each environment whose rows carry sentences (text testbeds): π0's and π*'s sentences, then each algorithm's at
 * each budget (its lowest-seed ok row), with the exact SubOpt and KL of that row and, from @6 rows on, the exact
 * expected reward, AFINN total and positive words per sentence under the policy (by the DP, not of the samples).
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
      {
        policy: "π0",
        budget: null,
        ...first.referenceMetrics,
        expected: first.expected?.reference,
        samples: first.reference,
      },
      {
        policy: "π*",
        budget: null,
        ...first.optimalMetrics,
        expected: first.expected?.optimal,
        samples: first.optimal,
      },
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
        expected: r.sentences!.expected?.policy,
        samples: r.sentences!.policy,
      });
    return { environment, lines };
  });
}

const fixed = (x: number | undefined, digits: number) => (x === undefined ? "—" : x.toFixed(digits));

/** What the reader should see change between π0 and π* (from the exact expectations, when the rows carry them). */
function whatChanges(lines: readonly SentenceLine[]): string {
  const [pi0, star] = lines;
  if (!pi0.expected || !star.expected) return "";
  const e0 = pi0.expected,
    e1 = star.expected;
  return `π* raises the expected AFINN total of a sentence from ${e0.valence.toFixed(2)} (π0) to ${e1.valence.toFixed(2)} and its expected positive words from ${e0.positiveWords.toFixed(2)} to ${e1.positiveWords.toFixed(2)}; a policy that learned r* moves these columns from π0's toward π*'s (the sampled sentences only illustrate it).`;
}

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
          `<tr><td>${esc(l.policy)}</td><td>${l.budget ?? "—"}</td><td>${l.subopt.toFixed(4)}</td><td>${l.klToReference.toFixed(3)}</td><td>${fixed(l.expected?.reward, 4)}</td><td>${fixed(l.expected?.valence, 3)}</td><td>${fixed(l.expected?.positiveWords, 3)}</td><td class="sentences"><ol>${l.samples
            .map(
              (s) =>
                `<li>${esc(s.text)} <small>(valence ${s.valence.toFixed(2)}, r* ${s.reward.toFixed(3)})</small></li>`,
            )
            .join("")}</ol></td></tr>`,
      )
      .join("\n");
    const note = whatChanges(lines);
    return `<h3>${esc(environment)}</h3>${note ? `<p class="note">What to see: ${esc(note)}</p>` : ""}<table class="text"><tr><th>policy</th><th>budget</th><th>SubOpt</th><th>KL to π0</th><th>E r*</th><th>E AFINN total</th><th>E positive words</th><th>sentences (same random streams in every row)</th></tr>\n${body}</table>`;
  });
  return `<h2>Sentences</h2><p>One sampled sentence per prompt (the first ten prompts; five in rows before @6) from π0, from π* and from each trained policy (its lowest seed), drawn with the same random numbers in every row, so differences come from the policies. The E columns are exact expectations per sentence under the policy, by the DP (not means of the printed samples): E r*, the expected AFINN-165 total (−5…5 per word) and the expected number of positive words; "—" for a Monte-Carlo policy or a row before @6. Beside each sentence: the mean AFINN score of its words and its exact reward r*. SubOpt and KL are the policy's exact values.</p>${blocks.join("\n")}`;
}

/** The same as Markdown (for summary.md). */
export function sentencesMarkdown(rows: readonly ResultRow[], algorithms: readonly string[] = []): string {
  return sentenceLines(rows, algorithms)
    .map(({ environment, lines }) =>
      [
        `## Sentences: ${environment}`,
        "",
        ...(whatChanges(lines) ? [`What to see: ${whatChanges(lines)}`, ""] : []),
        ...lines.flatMap((l) => [
          `**${l.policy}**${l.budget === null ? "" : `, ${l.budget} queries`}: SubOpt ${l.subopt.toFixed(4)}, KL to π0 ${l.klToReference.toFixed(3)}, exact per sentence: E r* ${fixed(l.expected?.reward, 4)}, E AFINN total ${fixed(l.expected?.valence, 3)}, E positive words ${fixed(l.expected?.positiveWords, 3)}`,
          "",
          ...l.samples.map((s, i) => `${i + 1}. ${s.text}`),
          "",
        ]),
      ].join("\n"),
    )
    .join("\n");
}
