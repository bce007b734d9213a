// Builds the playground into dist/: the page (src/main.ts, no gsh package in it), the worker that runs gsh
// (src/worker/worker.ts), TF.js as a chunk loaded only when a neural policy is chosen, and the text model asset
// copied beside them for the labeller and testbed T to fetch when first needed. Writes dist/bundle-size.json.
// CommonJS, so that the browser tests (jest) build with it too.
const { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");
const { gzipSync } = require("node:zlib");
const { build } = require("esbuild");

const app = join(__dirname, "..");
const packages = join(app, "..", "..", "packages");
const shim = (f) => join(app, "src", "shims", f);

/**
 * The workspace packages resolve to their TypeScript sources ("@gsh/source"). What has no browser variant is swapped:
 * testbed T's Node loader (reads the corpus from disk) for one that builds T from the asset's bytes; node:crypto's
 * SHA-256 (the suite fingerprint, trial file names) for @noble/hashes' (the one the random streams use); the bench
 * runner's file writes (never reached: nothing is saved from the page) for stubs; @gsh/report's root (charts,
 * rasteriser) for its row schema, the only value the trial runner imports from it; and "@gsh/practical/neural" for
 * its browser entry (the source condition would pick the Node one).
 */
const browserSwaps = {
  name: "gsh-browser-swaps",
  setup(b) {
    b.onResolve({ filter: /\/testbed-t-node$/ }, () => ({ path: shim("testbed-t-browser.ts") }));
    b.onResolve({ filter: /^node:crypto$/ }, () => ({ path: shim("node-crypto.ts") }));
    b.onResolve({ filter: /^node:(fs|path)$/ }, () => ({ path: shim("node-files.ts") }));
    b.onResolve({ filter: /^@gsh\/report$/ }, () => ({ path: join(packages, "report", "src", "result-row.ts") }));
    b.onResolve({ filter: /^@gsh\/practical\/neural$/ }, () => ({
      path: join(packages, "practical", "src", "neural", "index.browser.ts"),
    }));
  },
};

const TEXT_ASSET = "moby-dick-v512.gshtext";

/** Builds into `outdir`; returns the gzipped sizes (bytes) of what the first screen loads and of the lazy chunks. */
async function buildPlayground({ outdir = join(app, "dist"), minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: join(app, "src", "main.ts"), worker: join(app, "src", "worker", "worker.ts") },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@gsh/source"],
    minify,
    sourcemap: false,
    metafile: true,
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [browserSwaps],
  });
  copyFileSync(join(app, "src", "index.html"), join(outdir, "index.html"));
  copyFileSync(join(app, "src", "style.css"), join(outdir, "style.css"));
  mkdirSync(join(outdir, "assets"), { recursive: true });
  copyFileSync(join(packages, "text", "assets", TEXT_ASSET), join(outdir, "assets", TEXT_ASSET));
  const sizes = bundleSizes(outdir, result.metafile);
  writeFileSync(join(outdir, "bundle-size.json"), JSON.stringify(sizes, null, 2) + "\n");
  return sizes;
}

/**
 * What the first screen fetches (the page, its stylesheet, main.js, worker.js and the chunks both import statically)
 * against what is fetched on demand (TF.js's chunk, the text asset), gzipped at level 9 as a static host would.
 */
function bundleSizes(outdir, metafile) {
  const gz = (f) => gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length;
  const staticClosure = new Set();
  const visit = (file) => {
    if (staticClosure.has(file)) return;
    staticClosure.add(file);
    for (const imp of metafile.outputs[file]?.imports ?? []) if (imp.kind === "import-statement") visit(imp.path);
  };
  const outRel = (name) => relative(process.cwd(), join(outdir, name)).split("\\").join("/");
  visit(outRel("main.js"));
  visit(outRel("worker.js"));
  const files = readdirSync(outdir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(outdir, f)).isFile() && f !== "bundle-size.json");
  const firstScreen = files.filter((f) => staticClosure.has(outRel(f)) || f === "index.html" || f === "style.css");
  const lazy = files.filter((f) => !firstScreen.includes(f));
  const sum = (fs) => fs.reduce((s, f) => s + gz(f), 0);
  return {
    firstScreenGzipBytes: sum(firstScreen),
    firstScreen: Object.fromEntries(firstScreen.map((f) => [f, gz(f)])),
    lazyGzipBytes: sum(lazy),
    lazy: Object.fromEntries(lazy.map((f) => [f, gz(f)])),
    textAssetBytes: statSync(join(outdir, "assets", TEXT_ASSET)).size,
  };
}

module.exports = { buildPlayground, TEXT_ASSET };

if (require.main === module)
  buildPlayground().then(
    (sizes) => {
      const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
      console.log(
        `playground: dist/ written; first screen ${kb(sizes.firstScreenGzipBytes)} gzipped (without TF.js and the text instance); lazy chunks ${kb(sizes.lazyGzipBytes)} gzipped; text asset ${kb(sizes.textAssetBytes)}`,
      );
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
