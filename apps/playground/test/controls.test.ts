// The playground in headless Chromium, continued: TF.js only for neural algorithms, Stop and Resume, the state through
// the URL and an exported JSON, accessible names and the keyboard.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM, type Served, openPage, serve, shot } from "./harness";

const maybe = CHROMIUM ? describe : describe.skip;

maybe("the playground controls in headless Chromium", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  }, 120_000);
  afterAll(() => s?.close());

  test("TF.js is fetched when a neural algorithm runs, and the run completes", async () => {
    const { page, errors, requests, context } = await openPage(s, "env=R&a=neural-dpo&b=&budget=100&seeds=1");
    const lazy = Object.keys(s.sizes.lazy)
      .filter((f) => f.startsWith("chunks/"))
      .map((f) => f.split("/").pop()!);
    expect(requests.filter((r) => lazy.some((f) => r.endsWith(f)))).toEqual([]);
    await page.getByRole("button", { name: "Run" }).click();
    await page.waitForSelector("#run-form[data-done]", { timeout: 90_000 });
    expect(requests.filter((r) => lazy.some((f) => r.endsWith(f))).length).toBeGreaterThan(0);
    expect(await page.textContent("#run-status")).toMatch(/^Done: 1 trials/);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("Stop ends a run mid-way and Resume finishes it with the numbers of an uninterrupted run", async () => {
    const { page, errors, context } = await openPage(s, "env=R&eta=0.1&a=online-gshf&b=&budget=400&seeds=6");
    const shown = () =>
      page.$$eval("span.seed-subopt", (spans) =>
        spans.map((x) => [x.getAttribute("data-seed"), x.getAttribute("data-subopt")]),
      );
    await page.getByRole("button", { name: "Run" }).click();
    await page.waitForSelector("span.seed-subopt");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.textContent("#run-status")).resolves.toMatch(/^Stopped after \d of 6 trials/);
    const atStop = (await shown()).length;
    expect(atStop).toBeLessThan(6);
    await page.getByRole("button", { name: "Resume" }).click();
    await page.waitForSelector("#run-form[data-done]", { timeout: 60_000 });
    const resumed = await shown();
    expect(resumed).toHaveLength(6);
    await page.getByRole("button", { name: "Run" }).click();
    await page.waitForFunction(() => document.querySelectorAll("span.seed-subopt").length === 6, null, {
      timeout: 60_000,
    });
    await page.waitForSelector("#run-form[data-done]");
    expect(await shown()).toEqual(resumed);
    expect(errors).toEqual([]);
    await context.close();
  });

  test("the state round-trips through the URL, and through an exported JSON", async () => {
    const { page, context } = await openPage(s);
    await page.getByRole("combobox", { name: "Testbed" }).selectOption("H");
    await page.getByRole("spinbutton", { name: /η/ }).fill("0.25");
    await page.getByRole("spinbutton", { name: /η/ }).dispatchEvent("change");
    await page.getByRole("combobox", { name: "Algorithm A" }).selectOption("rso");
    await page.getByRole("combobox", { name: "Algorithm B" }).selectOption("");
    await page.getByRole("spinbutton", { name: "Query budget" }).fill("700");
    await page.getByRole("spinbutton", { name: "Query budget" }).dispatchEvent("change");
    await page.getByRole("tab", { name: "Be the labeller" }).click();
    await page.getByRole("combobox", { name: /Who picks/ }).selectOption("uniform");
    const href = page.url();
    const values = async (p: typeof page) =>
      p.evaluate(() =>
        ["testbed", "eta", "alg-a", "alg-b", "params-a", "budget", "seeds", "exploration"].map(
          (id) => (document.getElementById(id) as HTMLInputElement).value,
        ),
      );
    const before = await values(page);
    expect(before.slice(0, 4)).toEqual(["H", "0.25", "rso", ""]);
    const again = await openPage(s, href.split("#")[1]);
    expect(await values(again.page)).toEqual(before);
    expect(await again.page.getAttribute("#tab-label", "aria-selected")).toBe("true");

    await again.page.getByRole("tab", { name: "Share and export" }).click();
    const [download] = await Promise.all([
      again.page.waitForEvent("download"),
      again.page.getByRole("button", { name: /Export state/ }).click(),
    ]);
    const file = join(mkdtempSync(join(tmpdir(), "gsh-state-")), "state.json");
    await download.saveAs(file);
    const fresh = await openPage(s);
    await fresh.page.getByRole("tab", { name: "Share and export" }).click();
    await Promise.all([fresh.page.waitForEvent("load"), fresh.page.setInputFiles("#import-json", file)]);
    await fresh.page.waitForSelector("html[data-interactive-ms]");
    expect(await values(fresh.page)).toEqual(before);
    await Promise.all([context.close(), again.context.close(), fresh.context.close()]);
  });

  test("the main controls have accessible names and the page works from the keyboard", async () => {
    const { page, errors, context } = await openPage(s, "env=R&a=online-gshf&b=&budget=200&seeds=1");
    const controls: [Parameters<typeof page.getByRole>[0], string | RegExp][] = [
      ["tab", "Run algorithms"],
      ["tab", "Be the labeller"],
      ["tab", "Share and export"],
      ["combobox", "Testbed"],
      ["spinbutton", /η/],
      ["combobox", "Algorithm A"],
      ["textbox", /Parameters of A/],
      ["combobox", "Algorithm B"],
      ["spinbutton", "Query budget"],
      ["spinbutton", "Seeds"],
      ["button", "Run"],
      ["button", "Stop"],
      ["button", "Resume"],
    ];
    for (const [role, name] of controls) await expect(page.getByRole(role, { name }).count()).resolves.toBe(1);
    // tabs: arrow keys move between them
    await page.getByRole("tab", { name: "Run algorithms" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("tab-label");
    expect(await page.isVisible("#view-label")).toBe(true);
    await page.keyboard.press("ArrowLeft");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("tab-run");
    // Tab walks into the form in reading order; Enter on Run runs
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("testbed");
    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.id)) !== "run"; i++)
      await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("run");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#run-form[data-done]", { timeout: 60_000 });
    await shot(page, "keyboard-run");
    expect(errors).toEqual([]);
    await context.close();
  });
});
