// prepack: removes build outputs whose source no longer exists (tsc -b never deletes the outputs of a moved or
// deleted file), so a tarball packed from a long-lived checkout ships only what the current sources build.
// An output is stale when its source map names a source that is missing; the map and its siblings go.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const dist = join(process.cwd(), "dist");
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
let removed = 0;
if (existsSync(dist))
  for (const map of walk(dist).filter((f) => f.endsWith(".js.map"))) {
    const { sources } = JSON.parse(readFileSync(map, "utf8"));
    if (sources.every((s) => existsSync(resolve(dirname(map), s)))) continue;
    const stem = map.slice(0, -".js.map".length);
    for (const f of [".js", ".js.map", ".d.ts", ".d.ts.map"]) rmSync(stem + f, { force: true });
    removed++;
  }
if (removed) console.log(`prune-stale-dist: removed ${removed} stale output(s) from ${dist}`);
