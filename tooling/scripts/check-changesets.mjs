// Changesets in CI: every publishable package whose files changed since the base must be named by a pending
// changeset (.changeset/*.md front matter). `changeset status` alone fails only when there are no changesets at
// all, so this checks package by package; it still runs `changeset status` first, which refuses malformed files.
// Base: $GSH_CHANGESET_BASE, else the last commit that ran `changeset version` (none yet), else the root commit.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();

if (git("rev-parse", "--is-shallow-repository") === "true") {
  // a depth-limited CI checkout has no base to diff against: say so rather than fail on missing history
  console.log("changesets: skipped, shallow clone (no history to compare with; a full clone runs this check)");
  process.exit(0);
}
const released = git("log", "--format=%H", "-1", "--", "packages/*/CHANGELOG.md");
const base = process.env.GSH_CHANGESET_BASE || released || git("rev-list", "--max-parents=0", "HEAD");

const status = spawnSync("pnpm", ["exec", "changeset", "status", `--since=${base}`], { cwd: root, encoding: "utf8" });
if (status.status !== 0) {
  process.stdout.write(status.stdout + status.stderr);
  process.exit(1);
}

const named = new Set();
for (const f of readdirSync(join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md")) {
  const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(root, ".changeset", f), "utf8"));
  for (const m of (front?.[1] ?? "").matchAll(/^\s*["']?([^"':]+)["']?\s*:/gm)) named.add(m[1].trim());
}
const changed = new Set(git("diff", "--name-only", `${base}..HEAD`).split("\n"));
const missing = [];
for (const group of ["packages", "apps"])
  for (const dir of readdirSync(join(root, group))) {
    const manifest = join(root, group, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, private: isPrivate } = JSON.parse(readFileSync(manifest, "utf8"));
    if (isPrivate) continue;
    const prefix = `${group}/${dir}/`;
    const touched = [...changed].some((f) => f.startsWith(prefix) && !f.startsWith(`${prefix}test/`));
    if (touched && !named.has(name)) missing.push(name);
  }
if (missing.length) {
  console.log(`changesets: changed since ${base.slice(0, 8)} with no changeset naming them: ${missing.join(", ")}`);
  console.log("add one with `pnpm changeset` (user-facing changes need one; see CONTRIBUTING)");
  process.exit(1);
}
console.log(`changesets: every package changed since ${base.slice(0, 8)} is named by a pending changeset`);
