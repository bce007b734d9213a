import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

// End to end: the smoke suite's report.html opened in a real headless browser (Debian's chromium, which .ci/run
// installs). Every chart must have rendered marks and the page must log no error.
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const maybe = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM)
  console.warn("report-browser: no chromium found; install Debian's `chromium` to run this test (CI does)");

maybe("report.html in a headless browser", () => {
  it("renders every chart and logs no error", async () => {
    const out = mkdtempSync(join(tmpdir(), "gsh-report-"));
    const r = spawnSync(
      process.execPath,
      [join(__dirname, "..", "dist", "bin.js"), "bench", "--suite", "smoke", "--out", out, "--workers", "2"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    const browser = await chromium.launch({
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
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("requestfailed", (q) => errors.push(`request failed: ${q.url()}`));
      await page.goto(pathToFileURL(join(out, "report.html")).href);
      const charts = await page.$$eval(".chart", (els) =>
        els.map((el) => ({
          title: el.querySelector("h3")?.textContent ?? "",
          svg: !!el.querySelector("svg"),
          marks: el.querySelectorAll("svg path, svg circle, svg line").length,
          width: el.querySelector("svg")?.getBoundingClientRect().width ?? 0,
        })),
      );
      // per environment: SubOpt vs queries, reward vs KL, confidence-set calibration, per-iteration traces
      expect(charts.length).toBe(8);
      expect(charts.filter((c) => c.title.startsWith("Confidence sets")).length).toBe(2);
      for (const c of charts) {
        expect(c.svg).toBe(true);
        expect(c.marks).toBeGreaterThan(3);
        expect(c.width).toBeGreaterThan(100);
      }
      const data = await page.$eval("#gsh-data", (el) => JSON.parse(el.textContent ?? "{}"));
      expect(data.suite).toBe("smoke");
      expect(await page.$$eval("table", (t) => t.length)).toBe(4); // leaders, comparisons, summary, calibration
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
