import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, byId, fixtures, gsh, rowsOf, tmp } from "./helpers";

// The runner under hostile use (issue: "a runner you can trust with a week of compute"), through the CLI.
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
    // 12 trials of 400 ms: the first run is still writing when the second one looks at the lock.
    const slow = suiteWith(
      readFileSync(tiny, "utf8")
        .replace("name: slow-reference }", "name: slow-reference, params: { ms: 400 } }")
        .replace('"./plugins.ts"', JSON.stringify(join(fixtures, "plugins.ts"))),
    );
    const args = [bin, "bench", "--suite", slow, "--out", out, "--workers", "1", "--resume", "--no-report"];
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
      expect(err("hangs")).toMatch(/^Timeout: timed out after 3 s/);
      expect(err("returns-undefined")).toMatch(/^InvalidOutput: algorithm returned undefined/);
      expect(err("over-budget")).toMatch(/^OverBudget: over budget: .*query 51 of a budget of 50/);
      expect(err("bad-confidence")).toMatch(/^InvalidOutput: invalid confidence set: θ has 9 entries/);
      expect(rows["offline-gshf"].status).toBe("ok");
      expect(r.stdout).toMatch(/failed trials by cause: .*Timeout 1/);
    },
    60_000,
  );

  it("a trial's clock starts when its worker has loaded the plugins: the worker replacing a stopped one loads for 2 s, and the next 1-s trial still runs", () => {
    const out = tmp();
    const r = gsh(["bench", "--suite", join(fixtures, "replacement-worker.yaml"), "--out", out, "--workers", "1"]);
    expect(r.status).toBe(1);
    const rows = Object.fromEntries(rowsOf(out).map((x) => [x.algorithm, x]));
    expect(rows["hangs"]).toMatchObject({ status: "failed", errorTag: "Timeout" });
    expect(rows["slow-loading-reference"].status).toBe("ok");
  }, 60_000);

  it("an unwritable --out is one line and exit 2, no stack trace", () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "x");
    const r = gsh(["bench", "--suite", "smoke", "--out", join(file, "sub"), "--no-report"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot create the output directory: ENOTDIR/);
  });

  it("report still reads a directory written before schema @2 (gsh/result-row@1 rows, no fingerprints)", () => {
    const out = tmp();
    for (const f of ["results.jsonl", "suite.json"])
      writeFileSync(join(out, f), readFileSync(join(fixtures, "v1-results", f)));
    const r = gsh(["report", out]);
    expect(r.status).toBe(0);
    // the terminal gets the headline; summary.txt keeps every table
    expect(r.stdout).toMatch(/Option II β=1 +SubOpt 0\.104/);
    const summary = readFileSync(join(out, "summary.txt"), "utf8");
    expect(summary).toMatch(/R η=0\.1 +Option II β=1 +300/);
    expect(summary).toMatch(/Option II β=1 vs β=0 \(MLE-Gibbs\)/);
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
