// Imports point one way: core ← preference, text ← offline, online, practical, testbeds, report ← bench, user-data ← apps.
// The module graph (static imports, require, import(), sources and tests) is checked by dependency-cruiser
// (.dependency-cruiser.cjs), which also keeps learners' sources away from @gsh/testbeds (the only package that
// builds ground truth); this script adds what a module graph cannot see: declared dependencies in package.json.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const rank = {
  "@gsh/core": 0,
  "@gsh/preference": 1,
  "@gsh/text": 1,
  "@gsh/offline": 2,
  "@gsh/online": 2,
  "@gsh/practical": 2,
  "@gsh/testbeds": 2,
  "@gsh/report": 2,
  "@gsh/bench": 3,
  "@gsh/user-data": 3,
};
const appRank = 4;
const errors = [];
for (const group of ["packages", "apps", "examples"]) {
  if (!existsSync(join(root, group))) continue;
  for (const pkg of readdirSync(join(root, group))) {
    const dir = join(root, group, pkg);
    if (!existsSync(join(dir, "package.json"))) continue;
    const pj = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const mine = rank[pj.name] ?? appRank;
    const deps = Object.keys({ ...pj.dependencies, ...pj.peerDependencies });
    for (const dep of deps)
      if (dep in rank && rank[dep] >= mine && dep !== pj.name)
        errors.push(`${pj.name} depends on ${dep} (same or higher layer)`);
  }
}
const cruise = spawnSync(
  process.execPath,
  [
    join(root, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"),
    "packages",
    "apps",
    "examples",
    "--config",
    join(root, ".dependency-cruiser.cjs"),
    "--output-type",
    "err",
  ],
  { cwd: root, encoding: "utf8" },
);
if (cruise.status !== 0) errors.push(`dependency-cruiser:\n${(cruise.stdout + cruise.stderr).trim()}`);
if (errors.length) {
  console.error(`layering violations:\n  ${errors.join("\n  ")}`);
  process.exit(1);
}
console.log(
  "layering: ok (dependency-cruiser: core ← preference, text ← offline/online/practical/testbeds/report ← bench, user-data ← apps, no import cycles; learners' sources reach no testbed or truth)",
);
