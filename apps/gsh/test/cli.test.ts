import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readResults, reproducibleContent, type ResultRow } from "@gsh/bench";

// The CLI as users run it: the built bin in a child process (real Node, real worker threads).
const bin = join(__dirname, "..", "dist", "bin.js");
const fixtures = join(__dirname, "fixtures");
const tmp = () => mkdtempSync(join(tmpdir(), "gsh-cli-"));
const gsh = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
const rowsOf = (dir: string) => readResults(join(dir, "results.jsonl"));
const byId = (rows: ResultRow[]) =>
  [...rows].sort((a, b) => a.trialId.localeCompare(b.trialId)).map(reproducibleContent);

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
    expect(status["throws/0"].error).toMatch(/algorithm threw: boom from a plugin/);
    expect(status["invalid-policy/1"].error).toMatch(/invalid policy: .*context 0: row sums to (2|1\.99999)/);
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
    const l = gsh(["list", "--plugin", join(__dirname, "..", "..", "..", "examples", "xpo-plugin", "src", "index.ts")]);
    expect(l.status).toBe(0);
    expect(l.stdout).toMatch(/online-gshf/);
    expect(l.stdout).toMatch(/xpo-optimistic +\[plugin\]/);
    const d = gsh(["doctor"]);
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(/cores: \d+/);
    expect(d.stdout).toMatch(/TF.js backend for neural policies: (wasm|cpu|tensorflow)/);
    const h = gsh(["bench", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/--resume/);
  });
});

describe("a results directory is owned: hostile use", () => {
  const tiny = join(fixtures, "tiny.yaml");
  const suiteWith = (text: string) => {
    const d = tmp();
    writeFileSync(join(d, "s.yaml"), text);
    return join(d, "s.yaml");
  };
  const base = (eta: number) => `name: own
seeds: 4
budgets: [100]
environments: [{ label: "R", name: R, params: { eta: ${eta} } }]
algorithms: [{ label: "β=0", name: offline-gshf, params: { beta: 0 } }, { label: "DPO", name: dpo }]
`;

  it("two writers at once: the second is refused with a clear message, the first finishes, every trial once", async () => {
    const out = tmp();
    const args = [bin, "bench", "--suite", tiny, "--out", out, "--workers", "1", "--resume", "--no-report"];
    const first = spawn(process.execPath, args, { stdio: "ignore" });
    const results = join(out, "results.jsonl");
    const t0 = Date.now();
    while (!existsSync(results) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    const second = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/another gsh process is writing to this directory/);
    expect(await new Promise((r) => first.once("exit", r))).toBe(0);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((x) => x.trialId)).size).toBe(24);
  }, 60_000);

  it("--resume after a parameter changed (or on another suite's directory) is refused, naming both fingerprints", () => {
    const out = tmp();
    expect(gsh(["bench", "--suite", suiteWith(base(0.1)), "--out", out, "--no-report"]).status).toBe(0);
    const r = gsh(["bench", "--suite", suiteWith(base(1)), "--out", out, "--resume", "--no-report"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds another suite \(fingerprint [0-9a-f]{16}; this one is [0-9a-f]{16}\)/);
    expect(rowsOf(out)).toHaveLength(8);
    expect(rowsOf(out).every((x) => x.environmentParams.eta === 0.1)).toBe(true);
  });

  it("a corrupt line in the middle costs no valid row: resume keeps them all and moves the line aside with its number", () => {
    const out = tmp();
    const suite = suiteWith(base(0.1));
    expect(gsh(["bench", "--suite", suite, "--out", out, "--no-report"]).status).toBe(0);
    const results = join(out, "results.jsonl");
    const lines = readFileSync(results, "utf8").split("\n").filter(Boolean);
    const dropped = JSON.parse(lines[5]).trialId;
    lines.splice(5, 1);
    lines.splice(3, 0, "{ this is not json");
    writeFileSync(results, lines.join("\n") + "\n");
    const merged = gsh(["merge", out, "--out", tmp()]);
    expect(merged.status).toBe(2);
    expect(merged.stderr).toMatch(/results\.jsonl:4: not JSON/);
    const r = gsh(["bench", "--suite", suite, "--out", out, "--resume", "--no-report"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/moved 1 bad lines .* every valid row was kept/);
    expect(r.stdout).toMatch(/1 trials in/); // only the removed trial reran
    const rows = rowsOf(out);
    expect(rows).toHaveLength(8);
    expect(rows.filter((x) => x.trialId === dropped)).toHaveLength(1);
    const quarantined = readFileSync(join(out, "results.corrupt.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(quarantined).toEqual([expect.objectContaining({ line: 4, text: "{ this is not json" })]);
  });

  it("merge is strict: missing shards and other suites are errors; --allow-partial says 'partial: k of n' everywhere", () => {
    const s = [tmp(), tmp(), tmp()];
    const suite = suiteWith(base(0.1));
    for (const [i, d] of s.entries())
      expect(gsh(["bench", "--suite", suite, "--out", d, "--shard", `${i}/3`, "--no-report"]).status).toBe(0);
    const two = gsh(["merge", s[0], s[1], "--out", tmp()]);
    expect(two.status).toBe(2);
    expect(two.stderr).toMatch(/missing 2 of 8 trials .*--allow-partial/);
    const partialDir = tmp();
    const p = gsh(["merge", s[0], s[1], "--out", partialDir, "--allow-partial"]);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/partial: merged 6 of 8 trials/);
    expect(readFileSync(join(partialDir, "summary.txt"), "utf8")).toMatch(/^partial: 6 of 8 trials/);
    expect(readFileSync(join(partialDir, "report.html"), "utf8")).toMatch(/partial: 6 of 8 trials/);
    const other = tmp();
    expect(gsh(["bench", "--suite", suiteWith(base(1)), "--out", other, "--shard", "2/3", "--no-report"]).status).toBe(
      0,
    );
    const mixed = gsh(["merge", s[0], s[1], other, "--out", tmp()]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/is a different suite/);
  });

  it.each(["1", "2"])(
    "--workers %s: a hanging plugin times out, garbage outputs and budget overruns are failed rows with their cause; exit 1",
    (workers) => {
      const out = tmp();
      const r = gsh(["bench", "--suite", join(fixtures, "hostile.yaml"), "--out", out, "--workers", workers]);
      expect(r.status).toBe(1);
      const rows = Object.fromEntries(rowsOf(out).map((x) => [x.algorithm, x]));
      expect(Object.keys(rows).sort()).toEqual([
        "bad-confidence",
        "hangs",
        "offline-gshf",
        "over-budget",
        "returns-undefined",
      ]);
      const err = (a: string) => (rows[a].status === "failed" ? `${rows[a].errorTag}: ${rows[a].error}` : "ok");
      expect(err("hangs")).toMatch(/^Timeout: timed out after 2 s/);
      expect(err("returns-undefined")).toMatch(/^InvalidOutput: algorithm returned undefined/);
      expect(err("over-budget")).toMatch(/^OverBudget: over budget: .*query 51 of a budget of 50/);
      expect(err("bad-confidence")).toMatch(/^InvalidOutput: invalid confidence set: θ has 9 entries/);
      expect(rows["offline-gshf"].status).toBe("ok");
      expect(r.stdout).toMatch(/failed trials by cause: .*Timeout 1/);
    },
    60_000,
  );

  it("an unwritable --out is one line and exit 2, no stack trace", () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "x");
    const r = gsh(["bench", "--suite", "smoke", "--out", join(file, "sub"), "--no-report"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot create the output directory: ENOTDIR/);
  });

  it("report refuses a directory with duplicate rows", () => {
    const out = tmp();
    expect(gsh(["bench", "--suite", suiteWith(base(0.1)), "--out", out, "--no-report"]).status).toBe(0);
    const results = join(out, "results.jsonl");
    appendFileSync(results, readFileSync(results, "utf8").split("\n")[0] + "\n");
    const r = gsh(["report", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/1 duplicate rows \(first at line 9/);
  });
});

describe("scale-out on existing schedulers: --shard auto", () => {
  const env = (extra: Record<string, string>) => ({ ...process.env, FORCE_COLOR: "0", ...extra });
  const run = (out: string, extra: Record<string, string>, more: string[] = []) =>
    spawnSync(
      process.execPath,
      [bin, "bench", "--suite", "smoke", "--shard", "auto", "--out", out, "--no-report", ...more],
      {
        encoding: "utf8",
        env: env(extra),
      },
    );

  it("Slurm arrays (starting at 1) and Kubernetes Indexed Jobs: N processes, one directory each, a strict merge equal to one run", () => {
    const full = tmp();
    expect(gsh(["bench", "--suite", "smoke", "--out", full, "--workers", "2", "--no-report"]).status).toBe(0);
    const slurm = tmp();
    for (const id of [1, 2, 3]) {
      const r = run(slurm, {
        SLURM_ARRAY_TASK_ID: String(id),
        SLURM_ARRAY_TASK_MIN: "1",
        SLURM_ARRAY_TASK_STEP: "1",
        SLURM_ARRAY_TASK_COUNT: "3",
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`shard ${id - 1}/3 from slurm`));
    }
    const k8s = tmp();
    for (const i of [0, 1])
      expect(run(k8s, { JOB_COMPLETION_INDEX: String(i) }, ["--shard-count", "2"]).status).toBe(0);
    for (const [root, n] of [
      [slurm, 3],
      [k8s, 2],
    ] as const) {
      const merged = tmp();
      const shards = Array.from({ length: n }, (_, i) => join(root, `shard-${i}-of-${n}`));
      const m = gsh(["merge", ...shards, "--out", merged]);
      expect(m.status).toBe(0);
      expect(byId(rowsOf(merged))).toEqual(byId(rowsOf(full)));
    }
    const noCount = run(tmp(), { JOB_COMPLETION_INDEX: "0" });
    expect(noCount.status).toBe(2);
    expect(noCount.stderr).toMatch(/--shard-count/);
  }, 120_000);
});
