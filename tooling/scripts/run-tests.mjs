// `pnpm test`: type-check, lint and test every package through turbo (cached), then print one plain line
// `N passed, N failed` summed from each package's jest JSON report. Exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const dirs = ["packages", "apps", "tooling", "examples"]
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)))
  .filter((p) => existsSync(join(p, "jest.config.js")));

// A stale report from an earlier run must not be counted; turbo restores it on a cache hit.
for (const d of dirs) rmSync(join(d, ".jest-results.json"), { force: true });

const extra = process.argv.slice(2);
const turbo = spawnSync(
  "pnpm",
  [
    "exec",
    "turbo",
    "run",
    "typecheck",
    "lint",
    "test",
    "--continue",
    "--concurrency=2",
    "--output-logs=new-only",
    ...extra,
  ],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      TURBO_TELEMETRY_DISABLED: "1",
      FORCE_COLOR: process.env.FORCE_COLOR ?? "0",
      JEST_MAX_WORKERS: process.env.JEST_MAX_WORKERS ?? "1",
    },
  },
);
const layers = spawnSync("node", [join(root, "tooling", "scripts", "check-layers.mjs")], {
  cwd: root,
  stdio: "inherit",
});

// The committed API reports (etc/*.api.md) against the built declarations: every package is built first (cached).
const built = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
const api =
  built.status === 0
    ? spawnSync("node", [join(root, "tooling", "scripts", "check-api.mjs")], { cwd: root, stdio: "inherit" })
    : built;

// Every package changed since the last release (or the root commit) is named by a pending changeset.
const changesets = spawnSync("node", [join(root, "tooling", "scripts", "check-changesets.mjs")], {
  cwd: root,
  stdio: "inherit",
});

// Formatting is part of lint: a file Prettier would change fails the run (fix with `pnpm format`).
const format = spawnSync("pnpm", ["exec", "prettier", "--check", "--log-level", "warn", "."], {
  cwd: root,
  stdio: "inherit",
});
if (format.status !== 0) console.log("formatting: run `pnpm format` to fix the files listed above");

let passed = 0;
let failed = 0;
const missing = [];
for (const d of dirs) {
  const f = join(d, ".jest-results.json");
  if (!existsSync(f)) {
    missing.push(d);
    continue;
  }
  const r = JSON.parse(readFileSync(f, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
}
if (missing.length) console.log(`no test report from: ${missing.map((m) => m.slice(root.length + 1)).join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(
  turbo.status !== 0 ||
    layers.status !== 0 ||
    api.status !== 0 ||
    changesets.status !== 0 ||
    format.status !== 0 ||
    failed > 0 ||
    missing.length > 0
    ? 1
    : 0,
);
