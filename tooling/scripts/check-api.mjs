// API reports: each package's public surface (and its sub-entries: @gsh/preference/node, @gsh/practical/neural) as
// a committed etc/*.api.md, produced by API Extractor from the built declarations. `pnpm test` runs this in check
// mode: a change to a public signature that is not in the committed report fails CI, naming the package.
// `pnpm api:update` (or `node tooling/scripts/check-api.mjs --update`) rewrites the reports after a deliberate change.
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { Extractor, ExtractorConfig } = require("@microsoft/api-extractor");
const root = join(import.meta.dirname, "..", "..");
const update = process.argv.includes("--update");

/**
 * The order of a union of string literals in emitted declarations follows the order the compiler met the literals,
 * which differs between a fresh build (CI's clean clone) and an incremental one: compare reports with such unions'
 * members sorted, so only a real change to the public API fails the check.
 */
const normalizeUnions = (text) =>
  text.replace(/"[^"\n]*"(?:\s*\|\s*"[^"\n]*")+/g, (u) =>
    u
      .split("|")
      .map((m) => m.trim())
      .sort()
      .join(" | "),
  );
const sameUpToUnionOrder = (config) =>
  existsSync(config.reportFilePath) &&
  existsSync(config.reportTempFilePath) &&
  normalizeUnions(readFileSync(config.reportFilePath, "utf8")) ===
    normalizeUnions(readFileSync(config.reportTempFilePath, "utf8"));

const failures = [];
let checked = 0;
for (const pkg of readdirSync(join(root, "packages"))) {
  const dir = join(root, "packages", pkg);
  for (const file of readdirSync(dir).filter((f) => /^api-extractor(\.[\w-]+)?\.json$/.test(f))) {
    mkdirSync(join(dir, "etc"), { recursive: true });
    const config = ExtractorConfig.loadFileAndPrepare(join(dir, file));
    if (!existsSync(config.mainEntryPointFilePath)) {
      failures.push(`${pkg}/${file}: ${config.mainEntryPointFilePath} missing (run pnpm build first)`);
      continue;
    }
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      messageCallback: (m) => {
        // warnings about the declarations themselves are the compiler's business (typecheck); keep the output short
        if (m.logLevel !== "error") m.handled = true;
      },
    });
    checked++;
    // In check mode API Extractor reports a changed report as a failure; judge the change ourselves (union order aside).
    const changed = result.apiReportChanged && !sameUpToUnionOrder(config);
    if (update ? !result.succeeded : changed || result.errorCount > 0)
      failures.push(
        `${pkg}/${file}: ${changed ? "the public API differs from etc/ (run pnpm api:update and commit the report if the change is intended)" : `${result.errorCount} errors`}`,
      );
  }
}
if (failures.length) {
  console.error(`api reports:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`api reports: ${checked} ${update ? "written" : "match the committed etc/*.api.md"}`);
