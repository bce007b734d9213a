// @gsh/core, preference, offline and online are platform-free: each bundles for the browser from its package root
// (no Node built-in anywhere on its import graph), and a bundle of all four, run in headless Chromium, computes the
// same numbers as Node. What makes it possible: a synchronous SHA-256 for the random streams (same streams), file
// I/O behind "@gsh/preference/node", TF.js behind "@gsh/practical/neural".
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const root = join(__dirname, "..", "..", "..");
const PACKAGES = ["core", "preference", "offline", "online"] as const;

/** The same computation in both places: random draws, offline GSHF (Option II) and online GSHF on testbed R. */
const SCENARIO = `
  const { Rng } = require("@gsh/core");
  const { testbedR, sampleOfflineData, evaluatePolicy } = require("@gsh/preference");
  const { offlineGshf } = require("@gsh/offline");
  const { onlineGshf } = require("@gsh/online");
  const inst = testbedR(0, { eta: 0.1 });
  const off = offlineGshf(inst.problem, sampleOfflineData(inst, 500, 0).data, { beta: 1, option: "II" });
  const on = onlineGshf(inst.problem, inst.makeOracle(Rng.seeded(1)), Rng.seeded(2), { iterations: 3, batchSize: 100, beta: Math.sqrt(8) });
  const result = {
    draws: [Rng.seeded(5).split("x").uniform(), Rng.seeded("β=0").normal()],
    offline: evaluatePolicy(inst, off.right.policy).right.subopt,
    online: evaluatePolicy(inst, on.right.policy).right.subopt,
  };
`;

const bundle = (entry: string) =>
  build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    logLevel: "silent",
    // the scenario's entry is written to a scratch folder: resolve the workspace packages from this one
    nodePaths: [join(__dirname, "..", "node_modules")],
  });

test("each of the four packages bundles for the browser from its root: no Node built-in on its import graph", async () => {
  for (const p of PACKAGES) {
    const r = await bundle(join(root, "packages", p, "dist", "index.js")).catch(
      (e: { errors?: { text: string }[] }) => ({
        errors: e.errors ?? [{ text: String(e) }],
      }),
    );
    expect({ package: p, errors: r.errors.map((e) => e.text) }).toEqual({ package: p, errors: [] });
  }
  // the check has power: the Node-only entry point does not bundle for the browser
  await expect(bundle(join(root, "packages", "preference", "dist", "node.js"))).rejects.toThrow(/node:fs/);
}, 60_000);

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
(CHROMIUM ? test : test.skip)(
  "a bundle of all four runs in headless Chromium and gives Node's numbers (the same draws; SubOpt to 1e-12)",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "gsh-browser-"));
    writeFileSync(join(dir, "entry.js"), `${SCENARIO}\nglobalThis.gshResult = result;\n`);
    const out = await bundle(join(dir, "entry.js"));
    writeFileSync(join(dir, "bundle.js"), out.outputFiles[0].text);
    writeFileSync(join(dir, "index.html"), `<!doctype html><script src="bundle.js"></script>`);
    const node = new Function("require", `${SCENARIO}\nreturn result;`)(require);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(dir, "index.html")).href);
      const got = await page.waitForFunction(() => (globalThis as { gshResult?: unknown }).gshResult, null, {
        timeout: 30_000,
      });
      const inBrowser = (await got.jsonValue()) as typeof node;
      expect(errors).toEqual([]);
      expect(inBrowser.draws).toEqual(node.draws);
      for (const k of ["offline", "online"] as const)
        expect(Math.abs(inBrowser[k] - node[k])).toBeLessThanOrEqual(1e-12 * Math.abs(node[k]));
    } finally {
      await browser.close();
    }
  },
  90_000,
);
