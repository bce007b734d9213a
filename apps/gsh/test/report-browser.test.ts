import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";

// End to end: report.html opened in a real headless browser (Debian's chromium, which .ci/run installs), from a file,
// with no server and no network. Screenshots are kept as test artifacts (CI uploads test-artifacts/).
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const maybe = CHROMIUM ? describe : describe.skip;
const ARTIFACTS = join(__dirname, "..", "..", "..", "test-artifacts");
const BIN = join(__dirname, "..", "dist", "bin.js");
if (!CHROMIUM)
  console.warn("report-browser: no chromium found; install Debian's `chromium` to run this test (CI does)");

function bench(args: string[]): string {
  const out = mkdtempSync(join(tmpdir(), "gsh-report-"));
  const r = spawnSync(process.execPath, [BIN, "bench", ...args, "--out", out, "--workers", "2", "--quiet"], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return out;
}

async function open(browser: Browser, dir: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("requestfailed", (q) => errors.push(`request failed: ${q.url()}`));
  await page.goto(pathToFileURL(join(dir, "report.html")).href);
  // every chart is drawn by the page's script from its spec
  const started = Date.now();
  while (!(await page.$$eval("figure.chart", (fs) => fs.every((f) => f.getAttribute("data-live") === "1")))) {
    if (Date.now() - started > 60_000) throw new Error("charts not drawn within 60 s");
    await page.waitForTimeout(100);
  }
  return page;
}

maybe("report.html in a headless browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => browser?.close());

  it("default suite: the headline matrix, every cell of it, fills the first 1280×800 screen, then the claims", async () => {
    // The default suite's grid (every environment × algorithm), at one budget and 2 seeds to keep the test short.
    const dir = bench(["--suite", "default", "--seeds", "2", "--set", "budgets=[300]"]);
    const errors: string[] = [];
    const page = await open(browser, dir, errors);
    const data = await page.$eval("#gsh-data", (el) => JSON.parse(el.textContent ?? "{}"));
    const expected = new Set(
      data.cells.map((c: { environment: string; algorithm: string }) => `${c.environment}|${c.algorithm}`),
    );
    const envs = await page.$$eval("#headline-matrix thead th", (ths) =>
      ths.slice(1).map((th) => th.childNodes[0].textContent),
    );
    const cells = (
      await page.$$eval("#headline-matrix tbody tr", (trs) =>
        trs.map((tr) => ({
          alg: tr.querySelector("th")!.textContent,
          tds: [...tr.querySelectorAll("td")].map((td) => {
            const r = td.getBoundingClientRect();
            return { text: td.textContent ?? "", bottom: r.bottom, right: r.right };
          }),
        })),
      )
    ).flatMap((tr) => tr.tds.map((td, i) => ({ key: `${envs[i]}|${tr.alg}`, ...td })));
    const filled = cells.filter((c) => c.text !== "");
    // every environment × algorithm that ran has its cell, with a number
    expect(new Set(filled.map((c) => c.key))).toEqual(expected);
    for (const c of filled) {
      expect(c.text).toMatch(/^−?\d+(\.\d)?%/);
      expect(c.bottom).toBeLessThanOrEqual(800);
      expect(c.right).toBeLessThanOrEqual(1280);
    }
    // the claims' holds / fails list follows the matrix, its heading within the first screen too
    const claims = await page.$eval("#claims-list", (el) => ({
      top: el.getBoundingClientRect().top,
      text: el.textContent ?? "",
    }));
    const matrixBottom = await page.$eval("#headline-matrix", (el) => el.getBoundingClientRect().bottom);
    expect(claims.top).toBeGreaterThan(matrixBottom);
    expect(claims.top).toBeLessThan(800);
    expect(claims.text).toMatch(/holds|fails|undetermined/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report-default-first-screen.png") });
    expect(statSync(join(dir, "report.html")).size).toBeLessThan(5 * 2 ** 20);
    expect(errors).toEqual([]);
  }, 600_000);

  it("smoke suite: hovering a point shows its value, a legend click hides the series and a second one shows it", async () => {
    const dir = bench(["--suite", "smoke"]);
    const errors: string[] = [];
    const page = await open(browser, dir, errors);
    const charts = await page.$$eval(".chart", (els) =>
      els.map((el) => ({
        section: el.getAttribute("data-section") ?? "",
        marks: el.querySelectorAll(".live svg path, .live svg line").length,
        title: el.querySelector("figcaption")?.textContent ?? "",
      })),
    );
    for (const section of ["claims", "overview", "frontier", "diagnostics", "traces"])
      expect(charts.filter((c) => c.section === section).length).toBeGreaterThan(0);
    for (const c of charts) expect(c.marks).toBeGreaterThan(3);
    // one forest plot per comparison family (smoke: 2)
    expect(charts.filter((c) => c.section === "claims").length).toBe(2);

    // Hover: the first point of the first overview chart shows its algorithm and geometric-mean SubOpt, which must
    // equal the geometric mean of that cell's per-seed SubOpt in results.jsonl.
    const fig = page.locator('figure[data-section="overview"]').first();
    const tip = page.locator("#gsh-tooltip");
    const points = fig.locator(".live svg .mark-symbol.role-mark path");
    for (let k = 0; k < 3 && !(await tip.isVisible()); k++) {
      const point = points.nth(k);
      await point.scrollIntoViewIfNeeded();
      const box = (await point.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2 - 5, box.y + box.height / 2 - 5);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
      await tip.waitFor({ state: "visible", timeout: 3000 }).catch(() => undefined);
    }
    expect(await tip.isVisible()).toBe(true);
    const text = await tip.innerText();
    const alg = /algorithm\s+(.+)/.exec(text)![1].trim();
    const budget = Number(/budget\s+(\d+)/.exec(text)![1]);
    const shown = Number(/SubOpt \(geometric mean\)\s+([\d.e+-]+)/.exec(text)![1]);
    const env = (await fig.locator("figcaption").textContent())!.split(" — ")[0];
    const seeds: number[] = readFileSync(join(dir, "results.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.environment === env && r.algorithm === alg && r.budget === budget)
      .map((r) => r.metrics.subopt);
    expect(seeds.length).toBe(3);
    const geometric = Math.exp(seeds.reduce((a, x) => a + Math.log(x), 0) / seeds.length);
    expect(Math.abs(shown - geometric) / geometric).toBeLessThan(1e-3); // the tooltip prints 4 significant digits

    // Toggle: clicking a legend entry hides that series (fewer symbols), a second click brings it back.
    const symbols = () => fig.locator(".live svg .mark-symbol.role-mark path").count();
    const before = await symbols();
    const entry = fig.locator(".live svg .role-legend-label text").first();
    const label = (await entry.textContent())!;
    await entry.click({ force: true });
    await page.waitForTimeout(300);
    expect(await fig.getAttribute("data-hidden")).toBe(label);
    expect(await symbols()).toBeLessThan(before);
    await entry.click({ force: true });
    await page.waitForTimeout(300);
    expect(await symbols()).toBe(before);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report-smoke.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 300_000);

  it("a 1-seed run shows no verdicts", async () => {
    const dir = bench(["--suite", "smoke", "--seeds", "1"]);
    const errors: string[] = [];
    const page = await open(browser, dir, errors);
    expect(await page.$$eval("#headline-matrix td.best, #headline-matrix td.tie", (t) => t.length)).toBe(0);
    expect(await page.$eval("#claims-list", (el) => el.textContent)).toMatch(/1 seed: no verdict possible/);
    expect(await page.$$eval('figure[data-section="claims"]', (f) => f.length)).toBe(0);
    expect(await page.$eval("#run-metadata", (el) => el.textContent)).toMatch(/1 seed \(no verdict possible\)/);
    const body = await page.$eval("body", (b) => b.innerText);
    expect(body).not.toMatch(/✓ holds|✗ fails/);
    expect(errors).toEqual([]);
  }, 300_000);
});
