// CLI conventions: --version, one-line errors with a hint, unknown suites listed, --filter.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gsh, rowsOf, tmp } from "./helpers";

describe("gsh CLI conventions", () => {
  it("--version prints the version; an unknown command or suite is one error line plus a hint, exit 2", () => {
    const v = gsh(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = gsh(["bnch"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'bnch'/);
    expect(bad.stderr).toMatch(/gsh <command> --help shows its options/);
    expect(bad.stderr).not.toMatch(/Commands:/); // not the whole help
    const suite = gsh(["bench", "--suite", "nosuch", "--out", tmp()]);
    expect(suite.status).toBe(2);
    // every built-in suite file is listed, in order
    const builtin = readdirSync(join(__dirname, "..", "..", "..", "packages", "bench", "suites"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.replace(/\.yaml$/, ""))
      .sort();
    expect(builtin).toEqual(expect.arrayContaining(["default", "sequence", "smoke", "text"]));
    expect(suite.stderr).toContain(`no such suite; the built-in suites are ${builtin.join(", ")}`);
  });

  it("--filter env:/alg: runs the matching part of a suite, prunes comparisons, and refuses a filter that keeps nothing", () => {
    const out = tmp();
    const r = gsh([
      "bench",
      "--suite",
      "smoke",
      "--filter",
      "env:^H",
      "--filter",
      "alg:enhancer|β=0",
      "--out",
      out,
      "--workers",
      "1",
    ]);
    expect(r.status).toBe(0);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((x) => x.environment))).toEqual(new Set(["H η=0.1"]));
    expect(new Set(rows.map((x) => x.algorithm))).toEqual(new Set(["online enhancer", "β=0 (MLE-Gibbs)"]));
    expect(r.stdout).toMatch(/online enhancer beats β=0 \(MLE-Gibbs\)/);
    expect(r.stdout).not.toMatch(/Option II β=1 beats/);
    const none = gsh(["bench", "--suite", "smoke", "--filter", "env:zzz", "--out", tmp()]);
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe("gsh: invalid filter: no environment matches /zzz/");
  });

  it("--dry-run prints the expanded grid (after --set and --filter) and writes nothing", () => {
    const out = tmp();
    const r = gsh([
      "bench",
      "--suite",
      "smoke",
      "--set",
      "seeds=4",
      "--filter",
      "alg:enhancer",
      "--dry-run",
      "--out",
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/P tabular η=0\.1 \| online enhancer\s+4 trials/);
    expect(r.stdout).toMatch(/total\s+8 trials/);
    expect(r.stdout).toMatch(/estimated time: unknown/);
    expect(readdirSync(out)).toEqual([]);
  });

  it("a plugin file outside any package (TypeScript or ESM) imports @gsh/* with no install, in the main thread and in workers", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "p.ts"),
      `import { defineAlgorithm, z } from "@gsh/bench";
import { uniformPolicy } from "@gsh/core";
export default defineAlgorithm({ name: "anywhere-ts", track: "practical", description: "uniform", params: z.object({}).strict(), supports: ["bandit"],
  run: (ctx) => ({ policy: uniformPolicy((ctx as any).problem.contexts, (ctx as any).problem.actions) }) });
`,
    );
    writeFileSync(
      join(dir, "p.mjs"),
      `import { defineAlgorithm, z } from "@gsh/bench";
import { uniformPolicy } from "@gsh/core";
export default defineAlgorithm({ name: "anywhere-esm", track: "practical", description: "uniform", params: z.object({}).strict(), supports: ["bandit"],
  run: (ctx) => ({ policy: uniformPolicy(ctx.problem.contexts, ctx.problem.actions) }) });
`,
    );
    writeFileSync(
      join(dir, "suite.yaml"),
      'name: anywhere\nseeds: 2\nbudgets: [100]\nplugins: ["./p.ts", "./p.mjs"]\nenvironments: [{ name: R }]\nalgorithms: [{ name: anywhere-ts }, { name: anywhere-esm }]\n',
    );
    const r = gsh([
      "bench",
      "--suite",
      join(dir, "suite.yaml"),
      "--out",
      join(dir, "out"),
      "--workers",
      "2",
      "--no-report",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(rowsOf(join(dir, "out")).filter((x) => x.status === "ok")).toHaveLength(4);
  });

  it("gsh report --format md writes the summary as Markdown tables (and only that); an unknown format is refused", () => {
    const out = tmp();
    expect(
      gsh(["bench", "--suite", "smoke", "--filter", "env:^H", "--out", out, "--workers", "1", "--no-report"]).status,
    ).toBe(0);
    const r = gsh(["report", out, "--format", "md"]);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["results.jsonl", "suite.json", "summary.md"]);
    const md = readFileSync(join(out, "summary.md"), "utf8");
    expect(md).toMatch(/^# smoke\n/);
    expect(md).toMatch(/\| environment \| algorithm \| budget \| SubOpt \(95% CI\) \|/);
    expect(md).toMatch(/\| --- \| --- \| ---: \|/);
    expect(md).toMatch(/## Comparisons .*\n\n\| environment \| comparison \|/);
    const bad = gsh(["report", out, "--format", "pdf"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("gsh: --format pdf: expected one of csv, txt, md, html, svg, png");
    // --timings prints where the time went and writes nothing; its JSON sums to the rows' wall times.
    const t = gsh(["report", out, "--timings", "--top", "2", "--workers", "2"]);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^environment +algorithm +trials +median s +max s +total s +share\n/);
    expect(t.stdout).toMatch(/\(\d+ more\)/);
    expect(t.stdout).toMatch(/on 2 workers/);
    expect(Math.max(...t.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(120);
    expect(readdirSync(out).sort()).toEqual(["results.jsonl", "suite.json", "summary.md"]);
    const j = JSON.parse(gsh(["report", out, "--timings", "--json"]).stdout);
    const rows = rowsOf(out);
    expect(j.timings.trials).toBe(rows.length);
    expect(j.timings.totalSeconds).toBeCloseTo(rows.reduce((s, r) => s + r.wallMs, 0) / 1000, 9);
    expect(gsh(["report", out, "--top", "2"]).stderr.trim()).toBe("gsh: --top and --workers go with --timings");
  });

  it("gsh new-plugin scaffolds a plugin and a suite that run; the template (MLE-Gibbs) equals the built-in β = 0 exactly", () => {
    const dir = tmp();
    const file = join(dir, "my-idea.ts");
    const made = gsh(["new-plugin", file]);
    expect(made.status).toBe(0);
    const r = gsh([
      "bench",
      "--suite",
      join(dir, "my-idea.suite.yaml"),
      "--out",
      join(dir, "out"),
      "--workers",
      "2",
      "--no-report",
    ]);
    expect(r.status).toBe(0);
    const all = rowsOf(join(dir, "out"));
    expect(all).toHaveLength(40);
    const rows = all.filter((x) => x.status === "ok");
    expect(rows).toHaveLength(40);
    const key = (x: (typeof rows)[number]) => `${x.environment}|${x.budget}|${x.seed}`;
    const base = new Map(rows.filter((x) => x.algorithm !== "my-idea").map((x) => [key(x), x.metrics.subopt]));
    for (const x of rows.filter((y) => y.algorithm === "my-idea")) expect(x.metrics.subopt).toBe(base.get(key(x)));
    const again = gsh(["new-plugin", file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists; nothing was written/);
  });
});

describe("output for people and for scripts", () => {
  const suitesDir = join(__dirname, "..", "..", "..", "packages", "bench", "suites");
  const suites = readdirSync(suitesDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -5));
  const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));
  const smokeFile = readFileSync(join(suitesDir, "smoke.yaml"), "utf8");
  const smokeMeasured = {
    seconds: /measured:.*seconds: ([\d.]+)/.exec(smokeFile)![1],
    date: /measured:.*date: "([\d-]+)"/.exec(smokeFile)![1],
  };

  it("list and bench --help name every shipped suite with its trial count, within 120 columns", () => {
    const list = gsh(["list"]);
    const help = gsh(["bench", "--help"]);
    for (const out of [list.stdout, help.stdout]) {
      for (const s of suites) expect(out).toMatch(new RegExp(`\\n  ${s} +\\d+ trials  `));
      // the time and date the suite file records (re-measured now and then), as the file says them
      expect(out).toMatch(
        new RegExp(` smoke +24 trials {2}${smokeMeasured.seconds.replace(".", "\\.")} s \\(${smokeMeasured.date}`),
      );
      expect(widest(out)).toBeLessThanOrEqual(120);
    }
  });

  it("--quiet prints the directory only, --json one document with the headline and the claims", () => {
    const out = tmp();
    const quiet = gsh(["bench", "--suite", "smoke", "--seeds", "2", "--out", out, "--workers", "1", "--quiet"]);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe(`${out}\n`);
    const json = gsh(["report", out, "--format", "txt", "--json"]);
    const doc = JSON.parse(json.stdout);
    expect(doc.report.headline.environments).toEqual(["P tabular η=0.1", "H η=0.1"]);
    expect(doc.report.claims.map((c: { a: string }) => c.a)).toEqual(["Option II β=1", "online enhancer"]);
    const console_ = gsh(["report", out, "--format", "txt"]).stdout;
    expect(widest(console_)).toBeLessThanOrEqual(120);
    expect(console_.trimEnd().split("\n").pop()).toMatch(/^online on-policy +\S/); // ends with the headline's last row
  });
});
