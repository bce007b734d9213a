// Runs scripts/labeller-designs.ts under Node: bundled by esbuild (as the page's build does, from the packages'
// sources) into a temporary file, then required.
const { buildSync } = require("esbuild");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const dir = mkdtempSync(join(tmpdir(), "gsh-labeller-"));
const outfile = join(dir, "labeller-designs.cjs");
buildSync({
  entryPoints: [join(__dirname, "labeller-designs.ts")],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  conditions: ["@gsh/source"],
  outfile,
  logLevel: "error",
});
process.env.GSH_PLAYGROUND_DIR = join(__dirname, "..");
try {
  require(outfile);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
