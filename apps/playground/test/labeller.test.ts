// The labeller with scripted clicks that follow r*: each pair's two continuations are scored with testbed T's hidden
// reward (built here in Node from the same asset) and the higher one is clicked, a tie where r* is equal. The policy fitted to these labels
// must beat π0 (SubOpt below SubOpt(π0)) within LABEL_LIMIT labels; the number it took is printed (the README states it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { sequenceReward } from "@gsh/preference";
import { textTestbedFromBytes } from "@gsh/testbeds";
import { CHROMIUM, type Served, openPage, root, serve, shot } from "./harness";

const LABEL_LIMIT = 60;
const EXPLORATION = process.env.LABELLER_EXPLORATION ?? "uniform";
const maybe = CHROMIUM ? describe : describe.skip;

maybe("the labeller in headless Chromium", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  }, 120_000);
  afterAll(() => s?.close());

  test(`clicks that follow r* give a policy better than π0 within ${LABEL_LIMIT} labels`, async () => {
    const bytes = readFileSync(join(root, "packages", "text", "assets", "moby-dick-v512.gshtext"));
    const t = textTestbedFromBytes(new Uint8Array(bytes));
    if (E.isLeft(t)) throw new Error(t.left._tag);
    const { truth, problem } = t.right;
    const reward = (tokens: string) => sequenceReward(truth.bigram, problem.vocab, tokens.split(",").map(Number));

    const { page, errors, context } = await openPage(s, `view=label&ex=${EXPLORATION}&bs=5&ls=0`);
    await page.getByRole("button", { name: "Start labelling" }).click();
    let labels = 0;
    let beat: string | null = null;
    while (labels < LABEL_LIMIT) {
      await page.waitForSelector("#choose-a:enabled", { timeout: 60_000 });
      beat = await page.getAttribute("#view-label", "data-beat-reference");
      if (beat !== null) break;
      const a = (await page.getAttribute("#choose-a", "data-tokens"))!;
      const b = (await page.getAttribute("#choose-b", "data-tokens"))!;
      // the higher r* is clicked; equal r* (most pairs: sentences without an AFINN word score 0) is a tie
      const d = reward(a) - reward(b);
      await page.keyboard.press(d > 0 ? "1" : d < 0 ? "2" : "3");
      labels++;
      if (labels === 10) await shot(page, "labeller-after-10");
    }
    await shot(page, "labeller-final");
    const yours = Number(await page.getAttribute("#score-yours", "data-value"));
    const reference = Number(await page.getAttribute("#score-reference", "data-value"));
    console.log(
      `labeller: SubOpt ${yours} < SubOpt(π0) ${reference} after ${beat} labels that follow r* (${EXPLORATION}, batches of 5, seed 0)`,
    );
    expect(beat).not.toBeNull();
    expect(yours).toBeLessThan(reference);
    // the URL holds the labels: the same link in a new page resumes at the same pair with the same scores
    expect(new URL(page.url()).hash).toContain(`labels=`);
    const where = async (p: typeof page) => {
      await p.waitForSelector("#choose-a:enabled", { timeout: 60_000 });
      return Promise.all([
        p.getAttribute("#pair", "data-index"),
        p.getAttribute("#choose-a", "data-tokens"),
        p.getAttribute("#score-yours", "data-value"),
      ]);
    };
    const here = await where(page);
    const again = await openPage(s, page.url().split("#")[1]);
    expect(await where(again.page)).toEqual(here);
    expect(again.errors).toEqual([]);
    await again.context.close();
    expect(errors).toEqual([]);
    await context.close();
  });
});
