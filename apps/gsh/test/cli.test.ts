import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, byId, fixtures, gsh, rowsOf, tmp } from "./helpers";

describe("gsh bench", () => {
  it("1 worker and 2 workers give identical result rows (timings aside)", () => {
    const a = tmp(),
      b = tmp();
    expect(gsh(["bench", "--suite", "smoke", "--out", a, "--workers", "1", "--no-report"]).status).toBe(0);
    expect(gsh(["bench", "--suite", "smoke", "--out", b, "--workers", "2", "--no-report"]).status).toBe(0);
    const ra = rowsOf(a),
      rb = rowsOf(b);
    expect(ra).toHaveLength(24);
    expect(byId(rb)).toEqual(byId(ra));
  });

  it("killed mid-suite (with a torn last line), --resume finishes with every trial exactly once", async () => {
    const out = tmp();
    const child = spawn(
      process.execPath,
      [bin, "bench", "--suite", join(fixtures, "tiny.yaml"), "--out", out, "--workers", "1", "--no-report"],
      { stdio: "ignore" },
    );
    const results = join(out, "results.jsonl");
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        const n = existsSync(results) ? readFileSync(results, "utf8").split("\n").length - 1 : 0;
        if (n >= 5) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        } else if (Date.now() - t0 > 20_000) {
          clearInterval(poll);
          reject(new Error("the run produced no results"));
        }
      }, 20);
    });
    await new Promise((r) => child.once("exit", r));
    const before = rowsOf(out).length;
    expect(before).toBeLessThan(24);
    appendFileSync(results, '{"schema":"gsh/result-row@1","trialId":"P|slow|50|'); // what a kill mid-write leaves
    const refused = gsh(["bench", "--suite", join(fixtures, "tiny.yaml"), "--out", out, "--no-report"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--resume/);
    const r = gsh([
      "bench",
      "--suite",
      join(fixtures, "tiny.yaml"),
      "--out",
      out,
      "--workers",
      "2",
      "--resume",
      "--no-report",
    ]);
    expect(r.status).toBe(0);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((x) => x.trialId)).size).toBe(24);
    expect(readFileSync(results, "utf8").endsWith("\n")).toBe(true);
  });

  it("a plugin that throws or returns an invalid policy gives failed rows; the others finish; exit code 1", () => {
    const out = tmp();
    const r = gsh(["bench", "--suite", join(fixtures, "failing.yaml"), "--out", out, "--workers", "2"]);
    expect(r.status).toBe(1);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(6);
    const status = Object.fromEntries(rows.map((x) => [`${x.algorithm}/${x.seed}`, x]));
    expect(status["throws/0"].status === "failed" && status["throws/0"].error).toMatch(
      /algorithm threw: boom from a plugin/,
    );
    expect(status["invalid-policy/1"].status === "failed" && status["invalid-policy/1"].error).toMatch(
      /invalid policy: .*context 0: row sums to (2|1\.99999)/,
    );
    expect(status["offline-gshf/0"].status).toBe("ok");
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/Failed trials \(4\)/);
  });

  it("shards partition the suite and merge combines them into the full run; overlapping shards are refused", () => {
    const full = tmp(),
      s0 = tmp(),
      s1 = tmp(),
      merged = tmp();
    expect(gsh(["bench", "--suite", "smoke", "--out", full, "--workers", "2", "--no-report"]).status).toBe(0);
    expect(gsh(["bench", "--suite", "smoke", "--out", s0, "--shard", "0/2", "--no-report"]).status).toBe(0);
    expect(gsh(["bench", "--suite", "smoke", "--out", s1, "--shard", "1/2", "--no-report"]).status).toBe(0);
    expect(rowsOf(s0).length + rowsOf(s1).length).toBe(24);
    const m = gsh(["merge", s0, s1, "--out", merged]);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/merged all 24 trials/);
    expect(byId(rowsOf(merged))).toEqual(byId(rowsOf(full)));
    expect(existsSync(join(merged, "report.html"))).toBe(true);
    const twice = gsh(["merge", s0, s1, s0, "--out", tmp()]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/shards overlap/);
  });

  const usage: [string, string[], RegExp][] = [
    ["a malformed suite file", ["bench", "--suite", join(fixtures, "broken-plugin.ts")], /broken-plugin\.ts/],
    ["an unknown built-in suite", ["bench", "--suite", "nope"], /nope\.yaml/],
    [
      "a plugin that fails to load",
      ["list", "--plugin", join(fixtures, "broken-plugin.ts")],
      /plugin '.*broken-plugin\.ts': cannot load: this plugin fails while loading/,
    ],
    [
      "a plugin without a parameter schema",
      ["list", "--plugin", join(fixtures, "no-schema-plugin.mjs")],
      /'no-schema' has no parameter schema/,
    ],
    ["a bad --shard", ["bench", "--shard", "3/2"], /i\/N/],
    [
      "--seeds beyond the limit",
      ["bench", "--suite", "smoke", "--seeds", "1000000000"],
      /seeds: must be an integer in \[1, 100000\]/,
    ],
    [
      "--shard auto without scheduler variables",
      ["bench", "--suite", "smoke", "--shard", "auto"],
      /no scheduler variables/,
    ],
    ["an unknown option", ["bench", "--wrokers", "2"], /unknown option/],
  ];
  it.each(usage)("%s is a clear error with exit code 2", (_name, args, message) => {
    const r = gsh(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("list shows built-ins and the example plugin; doctor and --help work", () => {
    const l = gsh([
      "list",
      "--plugin",
      join(__dirname, "..", "..", "..", "examples", "rule-plugin", "src", "index.ts"),
    ]);
    expect(l.status).toBe(0);
    expect(l.stdout).toMatch(/online-gshf/);
    expect(l.stdout).toMatch(/epsilon-mixed +\[plugin; bandit, non-transitive\]/);
    expect(l.stdout).toMatch(/S-large +\[sequence\]/);
    const d = gsh(["doctor"]);
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(/cores: \d+/);
    expect(d.stdout).toMatch(/TF.js backend for neural policies: (wasm|cpu|tensorflow)/);
    const h = gsh(["bench", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/--resume/);
  });
});
