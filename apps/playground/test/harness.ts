// Shared set-up of the playground's browser tests: one build of dist/ into a scratch folder, served over http (module
// workers do not load from file://), and headless Chromium from the system (Debian's /usr/bin/chromium; CI installs
// it). Screenshots go to test-artifacts/, which CI keeps.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";

export const app = join(__dirname, "..");
export const root = join(app, "..", "..");
export const artifacts = join(app, "test-artifacts");
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export interface Served {
  readonly url: string;
  readonly dist: string;
  readonly sizes: { firstScreenGzipBytes: number; lazy: Record<string, number>; textAssetBytes: number };
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Builds the playground, serves it and starts Chromium. */
export async function serve(): Promise<Served> {
  const dist = mkdtempSync(join(tmpdir(), "gsh-playground-"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildPlayground } = require(join(app, "scripts", "build.cjs")) as {
    buildPlayground: (o: { outdir: string }) => Promise<Served["sizes"]>;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startStaticServer } = require(join(app, "scripts", "static-server.cjs")) as {
    startStaticServer: (dir: string, port?: number) => Promise<{ url: string; close: () => Promise<void> }>;
  };
  const sizes = await buildPlayground({ outdir: dist });
  const server = await startStaticServer(dist, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  mkdirSync(artifacts, { recursive: true });
  return {
    url: server.url,
    dist,
    sizes,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** A new page that records console errors and uncaught exceptions. */
export async function openPage(s: Served, fragment = "") {
  const context = await s.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`${s.url}${fragment ? `#${fragment}` : ""}`);
  await page.waitForSelector("html[data-interactive-ms]", { timeout: 30_000 });
  return { page, errors, requests, context };
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
