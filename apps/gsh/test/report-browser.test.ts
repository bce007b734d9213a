import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

// End to end: the smoke suite's report.html opened in a real headless browser (Debian's chromium, which .ci/run
// installs). Every chart must have rendered marks, the page must log no error, and a screenshot is kept.
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const maybe = CHROMIUM ? describe : describe.skip;
const ARTIFACTS = join(__dirname, "..", "..", "..", "test-artifacts");
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
          title: el.querySelector("figcaption")?.textContent ?? "",
          section: el.getAttribute("data-section") ?? "",
          svg: !!el.querySelector("svg"),
          marks: el.querySelectorAll("svg path, svg circle, svg line").length,
          width: el.querySelector("svg")?.getBoundingClientRect().width ?? 0,
          // the legend's symbol colours: one per series of the chart
          legend: [...el.querySelectorAll(".role-legend-symbol path")].map((p) => p.getAttribute("fill") ?? ""),
        })),
      );
      const data = await page.$eval("#gsh-data", (el) => JSON.parse(el.textContent ?? "{}"));
      expect(data.suite).toBe("smoke");
      // one chart per declared comparison and environment (smoke: 2 comparisons, one of them on both environments)
      const claims = new Set(
        data.verdicts.map((v: { a: string; b: string; environment: string }) => `${v.a}|${v.b}|${v.environment}`),
      );
      expect(charts.filter((c) => c.section === "claims").length).toBe(claims.size);
      expect(claims.size).toBe(3);
      // per environment: an overview per track, the frontier, calibration and the bound chart, the traces
      for (const section of ["overview", "frontier", "diagnostics", "traces"])
        expect(charts.filter((c) => c.section === section).length).toBeGreaterThan(0);
      expect(charts.filter((c) => c.title.startsWith("Confidence sets")).length).toBe(2);
      for (const c of charts) {
        expect(c.svg).toBe(true);
        expect(c.marks).toBeGreaterThan(3);
        expect(c.width).toBeGreaterThan(100);
      }
      // each algorithm one identity: distinct (colour, marker) pairs, and no colour twice in an overview legend
      const styles = Object.values<{ color: string; marker: string }>(data.styles);
      expect(new Set(styles.map((s) => `${s.color}|${s.marker}`)).size).toBe(styles.length);
      for (const c of charts.filter((x) => x.section === "overview" && x.legend.length))
        expect(new Set(c.legend).size).toBe(c.legend.length);
      // the long tables come after the charts, folded: leaders, bounds, comparisons, summary, calibration
      expect(await page.$$eval("details", (d) => d.length)).toBeGreaterThanOrEqual(4);
      expect(await page.$$eval("table", (t) => t.length)).toBe(5);
      // a screenshot at a fixed viewport, kept as a test artifact (CI uploads test-artifacts/)
      await page.setViewportSize({ width: 1280, height: 900 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report-smoke.png") });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
