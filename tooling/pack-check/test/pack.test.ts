// `pnpm pack` the built package, install the tarball with npm into a scratch folder outside the workspace, and
// run a script that imports it: what a user who installs one package gets.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = join(__dirname, "..", "..", "..");
// npm/pnpm settings inherited from whatever launched the tests must not leak into the scratch install, nor pnpm's
// NODE_PATH (it would resolve the workspace's own packages, TF.js included, from the scratch folder).
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm|pnpm)_/i.test(k) && k !== "NODE_PATH"),
);
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("@gsh/core, @gsh/preference, @gsh/testbeds and @gsh/practical install from their tarballs and run; log-linear DPO needs no TF.js", () => {
  const scratch = mkdtempSync(join(tmpdir(), "gsh-pack-"));
  for (const pkg of ["core", "preference", "text", "testbeds", "practical"])
    run("pnpm", ["pack", "--pack-destination", scratch], join(root, "packages", pkg));
  const tarballs = readdirSync(scratch)
    .filter((f) => f.endsWith(".tgz"))
    .map((f) => join(scratch, f));
  const tgz = tarballs.find((f) => f.includes("gsh-core"))!;
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], scratch);
  writeFileSync(
    join(scratch, "use.cjs"),
    `const { gibbsPolicy, suboptimality, uniformPolicy, Rng } = require("@gsh/core");
     const pi0 = uniformPolicy(1, 3);
     const reward = Float64Array.from([0, 1, 2]);
     const { policy } = gibbsPolicy(pi0, reward, 0.5);
     console.log(JSON.stringify({ p: Array.from(policy.probs), sub: suboptimality(pi0, pi0, reward, 0.5), u: Rng.seeded(1).uniform() }));`,
  );
  const out = JSON.parse(run("node", ["use.cjs"], scratch));
  // π*(2) = e^{2/0.5} / (1 + e^{1/0.5} + e^{2/0.5})
  expect(out.p[2]).toBeCloseTo(Math.exp(4) / (1 + Math.exp(2) + Math.exp(4)), 14);
  expect(out.sub).toBeGreaterThan(0);
  expect(typeof out.u).toBe("number");
  // @gsh/preference and @gsh/testbeds, installed beside it from their own tarballs, resolve @gsh/core and run
  // preference's README example
  writeFileSync(
    join(scratch, "pref.cjs"),
    `const { winnerMinusLoser, fitBradleyTerryOrThrow } = require("@gsh/preference");
     const { testbedR, sampleOfflineData, evaluatePolicy } = require("@gsh/testbeds");
     const { gibbsPolicy, linearReward } = require("@gsh/core");
     const world = testbedR(0, { eta: 0.1 });
     const { data } = sampleOfflineData(world, 1000, 0);
     const fit = fitBradleyTerryOrThrow(winnerMinusLoser(data, world.problem.features), data.size, world.problem.dim, { lambda: 1 });
     const policy = gibbsPolicy(world.problem.reference, linearReward(world.problem.features, fit.theta), world.problem.eta).policy;
     console.log(JSON.stringify(evaluatePolicy(world, policy)));`,
  );
  const pref = JSON.parse(run("node", ["pref.cjs"], scratch));
  expect(pref._tag).toBe("Right");
  expect(pref.right.subopt).toBeGreaterThan(0);
  // @gsh/practical without TF.js: an optional peer, so npm installs none of its ~286 MB, and log-linear DPO runs
  writeFileSync(
    join(scratch, "dpo.cjs"),
    `const { testbedR, sampleOfflineData, evaluatePolicy } = require("@gsh/testbeds");
     const { offlineDpo } = require("@gsh/practical");
     const world = testbedR(0, { eta: 0.1 });
     const r = offlineDpo(world.problem, sampleOfflineData(world, 300, 0).data);
     console.log(JSON.stringify({ subopt: evaluatePolicy(world, r.right.policy.distribution()).right.subopt,
       tf: Object.keys(require.cache).some((k) => k.includes("@tensorflow")) }));`,
  );
  const dpo = JSON.parse(run("node", ["dpo.cjs"], scratch));
  expect(dpo.subopt).toBeGreaterThan(0);
  expect(dpo.tf).toBe(false);
  expect(readdirSync(join(scratch, "node_modules")).includes("@tensorflow")).toBe(false);
  const files = run("tar", ["tzf", tgz], scratch).split("\n");
  expect(files).toContain("package/dist/index.d.ts");
  expect(files.some((f) => f.startsWith("package/test/"))).toBe(false);
}, 120_000);

// Every published package: each source map (.js.map, .d.ts.map) names only sources that ship in the same tarball,
// and each export condition (types, default, @gsh/source) points at a file that ships.
test("every package's tarball holds the files its source maps and export conditions point at", () => {
  const scratch = mkdtempSync(join(tmpdir(), "gsh-maps-"));
  const problems: string[] = [];
  let maps = 0;
  for (const pkg of readdirSync(join(root, "packages"))) {
    run("pnpm", ["pack", "--pack-destination", scratch], join(root, "packages", pkg));
    const tgz = readdirSync(scratch).find((f) => f.endsWith(".tgz"))!;
    const unpacked = join(scratch, pkg);
    mkdirSync(unpacked);
    run("tar", ["xzf", join(scratch, tgz), "-C", unpacked], scratch);
    rmSync(join(scratch, tgz));
    const base = join(unpacked, "package");
    const manifest = JSON.parse(readFileSync(join(base, "package.json"), "utf8")) as {
      exports: Record<string, string | Record<string, string>>;
    };
    for (const [entry, target] of Object.entries(manifest.exports))
      for (const file of typeof target === "string" ? [target] : Object.values(target))
        if (!existsSync(join(base, file))) problems.push(`${pkg}: exports["${entry}"] → ${file} is not in the tarball`);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    const shipped = walk(join(base, "dist"));
    for (const f of shipped.filter((f) => f.endsWith(".api.md")))
      problems.push(`${pkg}: ${f.slice(base.length)} is a build by-product`);
    for (const map of shipped.filter((f) => f.endsWith(".map"))) {
      maps++;
      const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
      for (const src of sources)
        if (!existsSync(resolve(dirname(map), src)))
          problems.push(`${pkg}: ${map.slice(base.length)} → ${src} is missing`);
    }
  }
  expect(maps).toBeGreaterThan(100);
  expect(problems).toEqual([]);
}, 120_000);

// The CLI installed from its tarballs (and its workspace dependencies') without TF.js, an optional peer of
// @gsh/bench and @gsh/practical: npm installs none of it, the runner runs a suite, and a suite naming a neural
// algorithm is refused when it loads with the install hint.
test("the gsh CLI installs from its tarballs without TF.js; neural algorithms are refused with an install hint", () => {
  const scratch = mkdtempSync(join(tmpdir(), "gsh-cli-pack-"));
  const dirs = [
    ...["core", "preference", "text", "testbeds", "offline", "online", "practical", "report", "bench", "user-data"].map(
      (p) => join(root, "packages", p),
    ),
    join(root, "apps", "gsh"),
  ];
  for (const d of dirs) run("pnpm", ["pack", "--pack-destination", scratch], d);
  const tarballs = readdirSync(scratch)
    .filter((f) => f.endsWith(".tgz"))
    .map((f) => join(scratch, f));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], scratch);
  expect(existsSync(join(scratch, "node_modules", "@tensorflow"))).toBe(false);
  const gsh = join(scratch, "node_modules", "@gsh", "cli", "dist", "bin.js");
  const list = run("node", [gsh, "list"], scratch);
  expect(list).toMatch(/neural-dpo\s+\[unavailable\] needs TensorFlow\.js/);
  const suite = (alg: string) =>
    `name: t\nseeds: 1\nbudgets: [100]\nenvironments: [{ name: R }]\nalgorithms: [{ name: ${alg} }]\n`;
  writeFileSync(join(scratch, "ok.yaml"), suite("offline-gshf"));
  writeFileSync(join(scratch, "neural.yaml"), suite("neural-dpo"));
  run("node", [gsh, "bench", "--suite", "ok.yaml", "--out", "out", "--no-report", "--workers", "1"], scratch);
  expect(readFileSync(join(scratch, "out", "results.jsonl"), "utf8")).toMatch(/"status":"ok"/);
  let refused = "";
  try {
    run("node", [gsh, "bench", "--suite", "neural.yaml", "--out", "out2", "--no-report"], scratch);
  } catch (e) {
    const err = e as { status: number; stderr: string };
    expect(err.status).toBe(2);
    refused = err.stderr;
  }
  // one line, no stack trace: where, what, and how to install it
  expect(refused.trim().split("\n")).toHaveLength(1);
  expect(refused).toMatch(
    /^gsh: invalid .*neural\.yaml: algorithms\[0\]\.name: algorithm 'neural-dpo' needs TensorFlow\.js, which is not installed here: npm install @tensorflow\/tfjs@4\.22\.0 @tensorflow\/tfjs-backend-wasm@4\.22\.0$/m,
  );
}, 300_000);
