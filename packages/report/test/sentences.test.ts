import { sentencesHtml, sentencesMarkdown } from "../src";

// Minimal ok rows of a text environment: the sentence table reads labels, seed, budget, metrics and sentences.
const sample = (text: string) => ({ prompt: 0, text, valence: 0, reward: 0 });
const expectation = (reward: number, valence: number, positiveWords: number) => ({ reward, valence, positiveWords });
const row = (algorithm: string, seed: number, policyExpected?: ReturnType<typeof expectation>, rowExpected = true) =>
  ({
    environment: "T",
    algorithm,
    budget: 300,
    seed,
    status: "ok",
    metrics: { subopt: 0.2, trueReward: 0, klToReference: 0.1 },
    sentences: {
      policy: [sample(`${algorithm} ${seed} says <so>`)],
      reference: [sample("pi0 says")],
      optimal: [sample("star says")],
      referenceMetrics: { subopt: 0.13, klToReference: 0 },
      optimalMetrics: { subopt: 0, klToReference: 2.7 },
      ...(rowExpected
        ? {
            expected: {
              reference: expectation(0.0188, 0.188, 0.164),
              optimal: expectation(0.4257, 4.257, 1.704),
              ...(policyExpected ? { policy: policyExpected } : {}),
            },
          }
        : {}),
    },
  }) as never;
const esc = (s: string) => s.replace(/</g, "&lt;");

describe("the sentence table", () => {
  it("prints per row the exact expectations the row carries, '—' where it has none, and what changes from π0 to π*", () => {
    const html = sentencesHtml(
      [row("DPO", 1, expectation(0.03, 0.3, 0.25)), row("DPO", 0, expectation(0.02, 0.2, 0.2)), row("neural", 0)],
      esc,
    );
    // π0 and π*, from the rows' exact expectations
    expect(html).toContain(
      "<td>π0</td><td>—</td><td>0.1300</td><td>0.000</td><td>0.0188</td><td>0.188</td><td>0.164</td>",
    );
    expect(html).toContain(
      "<td>π*</td><td>—</td><td>0.0000</td><td>2.700</td><td>0.4257</td><td>4.257</td><td>1.704</td>",
    );
    // the lowest seed's row of each cell, with its own expectations; a Monte-Carlo policy has none
    expect(html).toContain(
      "<td>DPO (seed 0)</td><td>300</td><td>0.2000</td><td>0.100</td><td>0.0200</td><td>0.200</td><td>0.200</td>",
    );
    expect(html).not.toContain("DPO (seed 1)");
    expect(html).toContain(
      "<td>neural (seed 0)</td><td>300</td><td>0.2000</td><td>0.100</td><td>—</td><td>—</td><td>—</td>",
    );
    expect(html).toContain("from 0.19 (π0) to 4.26 and its expected positive words from 0.16 to 1.70");
    expect(html).toContain("DPO 0 says &lt;so>"); // escaped by the caller's esc
    const md = sentencesMarkdown([row("DPO", 0, expectation(0.02, 0.2, 0.2))]);
    expect(md).toContain(
      "**DPO (seed 0)**, 300 queries: SubOpt 0.2000, KL to π0 0.100, exact per sentence: E r* 0.0200, E AFINN total 0.200, E positive words 0.200",
    );
  });

  it("rows from before @6 (no expectations) print '—' and no note", () => {
    const html = sentencesHtml([row("DPO", 0, undefined, false)], esc);
    expect(html).toContain("<td>π0</td><td>—</td><td>0.1300</td><td>0.000</td><td>—</td><td>—</td><td>—</td>");
    expect(html).not.toContain("What to see");
  });
});
