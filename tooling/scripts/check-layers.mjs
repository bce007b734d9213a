// Imports point one way: core ← preference ← offline, online, practical, text ← bench ← apps. The module graph
// (static imports, require, import(), sources and tests) is checked by dependency-cruiser (.dependency-cruiser.cjs);
// this script adds what a module graph cannot see: declared dependencies in package.json, and that learners never
// build a testbed or read an instance's truth.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const rank = {
  "@gsh/core": 0,
  "@gsh/preference": 1,
  "@gsh/offline": 2,
  "@gsh/online": 2,
  "@gsh/practical": 2,
  "@gsh/text": 2,
  "@gsh/bench": 3,
  "@gsh/user-data": 3,
};
const appRank = 4;
// Learners see the problem, data and a counted oracle, never the truth: their sources may not build a testbed or
// read an instance's `truth` (tests may: they check learners against it).
const learners = new Set(["@gsh/offline", "@gsh/online", "@gsh/practical"]);
const truthAccess = [
  /\b(testbed[RPHST]|linearBandit|nonTransitiveBandit|enumerateSequenceInstance|makeTruth|assembleInstance)\b/,
  /\.truth\b/,
];

function walk(dir, out = []) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(f)) out.push(p);
  }
  return out;
}

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
    if (!existsSync(join(dir, "src"))) continue;
    for (const file of walk(join(dir, "src"))) {
      const text = readFileSync(file, "utf8");
      if (learners.has(pj.name))
        for (const re of truthAccess) {
          const hit = text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "").match(re);
          if (hit)
            errors.push(
              `${file.slice(root.length + 1)} uses '${hit[0]}': learners may not reach testbeds or the truth`,
            );
        }
    }
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
  "layering: ok (dependency-cruiser: core ← preference ← offline/online/practical/text ← bench, user-data ← apps, no runtime cycles; learners reach no testbed or truth)",
);
