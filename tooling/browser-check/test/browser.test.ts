// @gsh/core, preference, testbeds (its root; T is "@gsh/testbeds/node"), offline, online and practical are platform-free: each bundles for the browser from its
// package root (no Node built-in anywhere on its import graph), and a bundle of the first four, run in headless
// Chromium, computes the same numbers as Node. What makes it possible: a synchronous SHA-256 for the random streams
// (same streams), file I/O behind "@gsh/preference/node", TF.js behind "@gsh/practical/neural", whose "browser"
// export condition swaps Node's backend choice (native bindings on disk, require) for the browser's (import()).
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const root = join(__dirname, "..", "..", "..");
const PACKAGES = ["core", "preference", "testbeds", "offline", "online", "practical"] as const;

/** The same computation in both places: random draws, offline GSHF (Option II) and online GSHF on testbed R. */
const SCENARIO = `
  const { Rng } = require("@gsh/core");
  const { testbedR, sampleOfflineData, evaluatePolicy } = require("@gsh/testbeds");
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

test("each of the six packages bundles for the browser from its root: no Node built-in on its import graph", async () => {
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

/**
 * Bundles `entryCode` (which sets globalThis.gshResult, possibly later) for the browser, opens it in headless
 * Chromium and returns what it set, with any page errors.
 */
async function runInChromium(prefix: string, entryCode: string, timeout: number) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "entry.js"), entryCode);
  const out = await bundle(join(dir, "entry.js"));
  writeFileSync(join(dir, "bundle.js"), out.outputFiles[0].text);
  writeFileSync(join(dir, "index.html"), `<!doctype html><script src="bundle.js"></script>`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(join(dir, "index.html")).href);
    const got = await page.waitForFunction(() => (globalThis as { gshResult?: unknown }).gshResult, null, { timeout });
    return { value: await got.jsonValue(), errors };
  } finally {
    await browser.close();
  }
}
(CHROMIUM ? test : test.skip)(
  "a bundle of all four runs in headless Chromium and gives Node's numbers (the same draws; SubOpt to 1e-12)",
  async () => {
    const node = new Function("require", `${SCENARIO}\nreturn result;`)(require);
    const { value, errors } = await runInChromium(
      "gsh-browser-",
      `${SCENARIO}\nglobalThis.gshResult = result;\n`,
      30_000,
    );
    const inBrowser = value as typeof node;
    expect(errors).toEqual([]);
    expect(inBrowser.draws).toEqual(node.draws);
    for (const k of ["offline", "online"] as const)
      expect(Math.abs(inBrowser[k] - node[k])).toBeLessThanOrEqual(1e-12 * Math.abs(node[k]));
  },
  90_000,
);

/** DPO on a small MLP policy with TF.js's cpu backend: the same script in Node and in the page. */
const NEURAL_SCENARIO = `
  const { Rng } = require("@gsh/core");
  const { testbedR, sampleOfflineData, evaluatePolicy } = require("@gsh/testbeds");
  const { pairsFromDataset } = require("@gsh/practical");
  const { loadTf, availableBackends, NeuralBanditPolicy } = require("@gsh/practical/neural");
  const run = async () => {
    const { tf, backend } = await loadTf({ prefer: "cpu" });
    const inst = testbedR(0, { eta: 0.1 });
    const pairs = pairsFromDataset(sampleOfflineData(inst, 200, 0).data);
    const policy = new NeuralBanditPolicy(tf, inst.problem, Rng.seeded(3), { width: 16, layers: 1 });
    const losses = policy.trainDpo(pairs, Rng.seeded(4), {
      eta: 0.1,
      training: { regime: "fixed-steps", steps: 20, learningRate: 0.01, batchSize: 64 },
    }).trainLoss;
    return { backend, available: availableBackends(), losses, subopt: evaluatePolicy(inst, policy.distribution()).right.subopt };
  };
`;

test("@gsh/practical/neural bundles for the browser through its browser condition, with the Node variant's exports; the Node variant does not bundle", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gsh-neural-"));
  writeFileSync(join(dir, "entry.js"), `require("@gsh/practical/neural");`);
  const r = await bundle(join(dir, "entry.js"));
  expect(r.errors).toEqual([]);
  await expect(bundle(join(root, "packages", "practical", "dist", "neural", "index.js"))).rejects.toThrow(/node:fs/);
  // both variants export the same names (one set of declarations types them)
  const names = (file: string) =>
    Object.keys(require(join(root, "packages", "practical", "dist", "neural", file)) as object).sort();
  expect(names("index.browser.js")).toEqual(names("index.js"));
}, 60_000);

(CHROMIUM ? test : test.skip)(
  "TF.js DPO on a neural policy in headless Chromium (cpu backend) gives Node's cpu-backend numbers",
  async () => {
    type Result = { backend: string; available: string[]; losses: number[]; subopt: number; error?: string };
    const node = await (
      new Function("require", `${NEURAL_SCENARIO}\nreturn run();`) as (r: NodeRequire) => Promise<Result>
    )(require);
    const { value, errors } = await runInChromium(
      "gsh-neural-browser-",
      `${NEURAL_SCENARIO}\nrun().then((r) => { globalThis.gshResult = r; }, (e) => { globalThis.gshResult = { error: String(e) }; });\n`,
      60_000,
    );
    const inBrowser = value as Result;
    expect(errors).toEqual([]);
    expect(inBrowser.error).toBeUndefined();
    // the page's choice: no native binding, no wasm unless the page enables it
    expect([inBrowser.backend, inBrowser.available]).toEqual(["cpu", ["cpu"]]);
    expect(node.backend).toBe("cpu");
    expect(inBrowser.losses).toHaveLength(20);
    // the same f32 kernels in the same engine family (measured: losses identical, SubOpt 2e-16 apart)
    for (let i = 0; i < 20; i++) expect(Math.abs(inBrowser.losses[i] - node.losses[i])).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(inBrowser.subopt - node.subopt)).toBeLessThanOrEqual(1e-6 * node.subopt);
    expect(inBrowser.subopt).toBeGreaterThan(0);
  },
  120_000,
);
