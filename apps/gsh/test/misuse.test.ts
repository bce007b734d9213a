import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, fixtures, gsh, rowsOf, tmp } from "./helpers";

// Issue 24: the gaps a hostile pass found, one regression test per cause (numbers are the issue's items).
const suiteFile = (text: string) => {
  const d = tmp();
  writeFileSync(join(d, "s.yaml"), text);
  return join(d, "s.yaml");
};
const small = (extra = "") => `name: small
seeds: 4
budgets: [100]
environments: [{ label: "R", name: R }]
algorithms: [{ label: "β=0", name: offline-gshf, params: { beta: 0 } }, { label: "DPO", name: dpo }]
${extra}`;
const withPlugin = (algorithms: string[], extra = "") => `name: misbehaving
plugins: [${JSON.stringify(join(fixtures, "misbehaving.ts"))}]
seeds: 1
budgets: [40]
environments: [{ label: "P", name: P, params: { eta: 0.3 } }]
algorithms: [${algorithms.map((a) => `{ name: ${a} }`).join(", ")}]
${extra}`;
const lines = (f: string) => readFileSync(f, "utf8").split("\n").filter(Boolean);

describe("1. every command that writes a results directory takes its lock and refuses a foreign one", () => {
  it("merge --out onto a finished run is refused and leaves its rows; an empty --out is fine", () => {
    const suite = suiteFile(small());
    const run = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", run, "--no-report"]).status).toBe(0);
    const shard = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", shard, "--shard", "0/4", "--no-report"]).status).toBe(0);
    const before = readFileSync(join(run, "results.jsonl"), "utf8");
    const r = gsh(["merge", shard, "--out", run, "--allow-partial"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .* is not empty/);
    expect(readFileSync(join(run, "results.jsonl"), "utf8")).toBe(before);
    const empty = tmp();
    expect(gsh(["merge", shard, "--out", empty, "--allow-partial"]).status).toBe(0);
  });

  it("merge --out onto a directory another gsh holds the lock of is refused", () => {
    const suite = suiteFile(small());
    const shard = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", shard, "--no-report"]).status).toBe(0);
    const out = tmp();
    mkdirSync(join(out, ".gsh.lock"));
    writeFileSync(join(out, ".gsh.lock", "heartbeat"), "1");
    // The lock is held while its heartbeat changes: a writer that keeps beating for the whole check.
    const holder = spawnSync(
      "bash",
      [
        "-c",
        `(for i in $(seq 1 40); do echo $i > '${join(out, ".gsh.lock", "heartbeat")}'; sleep 0.25; done) & ` +
          `'${process.execPath}' '${bin}' merge '${shard}' --out '${out}'; echo "exit=$?"; wait`,
      ],
      { encoding: "utf8" },
    );
    expect(holder.stdout).toMatch(/exit=2/);
    expect(holder.stderr).toMatch(/another gsh process is writing to this directory/);
    expect(existsSync(join(out, "results.jsonl"))).toBe(false);
  }, 30_000);
});

describe("2. report says what is missing and refuses foreign rows", () => {
  it("an interrupted run: 'partial: k of n' in every output, the missing ids written down, exit 0", () => {
    const suite = suiteFile(small());
    const out = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", out, "--no-report"]).status).toBe(0);
    const rows = lines(join(out, "results.jsonl"));
    const dropped = [1, 6].map((i) => JSON.parse(rows[i]).trialId as string);
    writeFileSync(join(out, "results.jsonl"), rows.filter((_, i) => i !== 1 && i !== 6).join("\n") + "\n");
    const r = gsh(["report", out, "--format", "csv", "--format", "txt", "--format", "md", "--format", "html"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/partial: 6 of 8 trials/);
    for (const f of ["results.csv", "summary.txt", "summary.md", "report.html"])
      expect(readFileSync(join(out, f), "utf8")).toMatch(/partial: 6 of 8 trials/);
    expect(lines(join(out, "missing-trials.txt"))).toEqual(dropped);
  });

  it("a row of another suite in the directory is refused (exit 2), not averaged into its cell", () => {
    const out = tmp();
    expect(gsh(["bench", "--suite", suiteFile(small()), "--out", out, "--no-report"]).status).toBe(0);
    const other = tmp();
    expect(
      gsh(["bench", "--suite", suiteFile(small("klEstimators: { sampleSizes: [10] }")), "--out", other, "--no-report"])
        .status,
    ).toBe(0);
    const rows = lines(join(out, "results.jsonl"));
    const foreign = JSON.parse(lines(join(other, "results.jsonl"))[0]);
    rows[0] = JSON.stringify(foreign);
    writeFileSync(join(out, "results.jsonl"), rows.join("\n") + "\n");
    const r = gsh(["report", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/row '.*' belongs to another suite/);
  });
});

describe("3. piped output is not cut", () => {
  it("gsh policy | wc -l gives every line", () => {
    const d = tmp();
    const data = join(d, "r.jsonl");
    expect(gsh(["testbed-data", "R", "--pairs", "300", "--seed", "1", "--out", data]).status).toBe(0);
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -o pipefail; '${process.execPath}' '${bin}' policy '${data}' --eta 0.1 --beta 0 | (sleep 0.5; wc -l)`,
      ],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBe(1600);
  }, 30_000);
});

describe("4 and 5. a plugin cannot change its own score or escape its budget", () => {
  it("writing into ctx.problem.reference does not change the score", () => {
    const out = tmp();
    const r = gsh([
      "bench",
      "--suite",
      suiteFile(withPlugin(["honest-uniform", "tampering-uniform"])),
      "--out",
      out,
      "--no-report",
    ]);
    expect(r.status).toBe(0);
    const [honest, tampering] = ["honest-uniform", "tampering-uniform"].map((a) =>
      rowsOf(out).find((x) => x.algorithm === a)!,
    );
    expect(honest.status === "ok" && tampering.status === "ok").toBe(true);
    if (honest.status !== "ok" || tampering.status !== "ok") return;
    expect(tampering.metrics.subopt).toBe(honest.metrics.subopt);
    expect(tampering.metrics.klToReference).toBe(honest.metrics.klToReference);
  });

  it("resetting the count, charging −n or NaN, or reaching the inner oracle fails the trial", () => {
    const out = tmp();
    const algs = ["resets-count", "negative-charge", "nan-charge", "inner-oracle"];
    const r = gsh(["bench", "--suite", suiteFile(withPlugin(algs)), "--out", out, "--no-report"]);
    expect(r.status).toBe(1);
    for (const row of rowsOf(out)) {
      expect([row.algorithm, row.status]).toEqual([row.algorithm, "failed"]);
      if (row.status === "ok") expect(row.metrics.queries).toBeLessThanOrEqual(40);
    }
  });
});

describe("6. a parseable but invalid row is moved aside like an unparsable one", () => {
  it("an 'ok' row without metrics: --resume moves it and reruns its trial; report and merge exit 0/2, never 3", () => {
    const suite = suiteFile(small());
    const out = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", out, "--no-report"]).status).toBe(0);
    const rows = lines(join(out, "results.jsonl"));
    const broken = JSON.parse(rows[2]);
    delete broken.metrics;
    rows[2] = JSON.stringify(broken);
    rows[4] = JSON.stringify({ ...JSON.parse(rows[4]), metrics: null });
    writeFileSync(join(out, "results.jsonl"), rows.join("\n") + "\n");
    const rep = gsh(["report", out]);
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/2 invalid lines skipped/);
    const merge = gsh(["merge", out, "--out", tmp()]);
    expect(merge.status).toBe(2);
    expect(merge.stderr).toMatch(/results\.jsonl:3: not a valid result row: metrics/);
    const r = gsh(["bench", "--suite", suite, "--out", out, "--resume", "--no-report"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 trials to run, 6 already done/);
    expect(rowsOf(out)).toHaveLength(8);
    expect(lines(join(out, "results.corrupt.jsonl"))).toHaveLength(2);
  });
});

describe("7. trial ids are unique by construction", () => {
  it.each([
    ["repeated seeds", small().replace("seeds: 4", "seeds: [1, 2, 1]"), /seeds.*1.*more than once/],
    ["repeated budgets", small().replace("budgets: [100]", "budgets: [100, 100]"), /budgets.*100.*more than once/],
    ["a label with '|'", small().replace('label: "DPO"', 'label: "D|PO"'), /label.*'\|'/],
  ])("%s are refused at load (exit 2)", (_what, text, message) => {
    const r = gsh(["bench", "--suite", suiteFile(text), "--out", tmp(), "--no-report"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("9. the fingerprint covers the code, not the order of entries", () => {
  it("editing a plugin's run refuses --resume; reordering entries does not", () => {
    const d = tmp();
    const plugin = join(d, "p.ts");
    writeFileSync(plugin, readFileSync(join(fixtures, "misbehaving.ts"), "utf8"));
    const text = withPlugin(["honest-uniform", "dispose-throws"]).replace(
      JSON.stringify(join(fixtures, "misbehaving.ts")),
      JSON.stringify(plugin),
    );
    writeFileSync(join(d, "s.yaml"), text);
    const out = tmp();
    expect(gsh(["bench", "--suite", join(d, "s.yaml"), "--out", out, "--no-report"]).status).toBe(1);
    writeFileSync(
      join(d, "r.yaml"),
      withPlugin(["dispose-throws", "honest-uniform"]).replace(
        JSON.stringify(join(fixtures, "misbehaving.ts")),
        JSON.stringify(plugin),
      ),
    );
    const reordered = gsh(["bench", "--suite", join(d, "r.yaml"), "--out", out, "--resume", "--no-report"]);
    expect(reordered.stderr).not.toMatch(/another suite/);
    expect(reordered.stdout).toMatch(/0 trials to run, 2 already done/);
    writeFileSync(plugin, readFileSync(plugin, "utf8").replace("fill(1 / actions)", "fill(1 / actions) /* edited */"));
    const edited = gsh(["bench", "--suite", join(d, "s.yaml"), "--out", out, "--resume", "--no-report"]);
    expect(edited.status).toBe(2);
    expect(edited.stderr).toMatch(/p\.ts/);
    expect(edited.stderr).toMatch(/code differs/);
  }, 60_000);

  it("a directory written before code entered the fingerprint is refused with a clear message", () => {
    const suite = suiteFile(small());
    const out = tmp();
    expect(gsh(["bench", "--suite", suite, "--out", out, "--no-report"]).status).toBe(0);
    const record = JSON.parse(readFileSync(join(out, "suite.json"), "utf8"));
    delete record.fingerprintSchema;
    writeFileSync(join(out, "suite.json"), JSON.stringify(record));
    const r = gsh(["bench", "--suite", suite, "--out", out, "--resume", "--no-report"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/written by an older gsh/);
  });
});

describe("10. failed rows are remembered across --resume, and --retry-failed reruns only them", () => {
  it("--resume exits 1 while failed rows remain; --retry-failed reruns those trials", () => {
    const out = tmp();
    const suite = suiteFile(
      withPlugin(["honest-uniform", "dispose-throws", "rows-sum-to-two"]).replace("seeds: 1", "seeds: 2"),
    );
    // Statuses are compared with stderr beside them, so that a failure under load says which error it met.
    const first = gsh(["bench", "--suite", suite, "--out", out, "--no-report"]);
    expect([first.status, first.stderr]).toEqual([1, expect.anything()]);
    const resumed = gsh(["bench", "--suite", suite, "--out", out, "--resume", "--no-report"]);
    expect([resumed.status, resumed.stderr]).toEqual([1, expect.anything()]);
    expect(resumed.stdout).toMatch(/4 failed rows remain .*--retry-failed/);
    const retried = gsh(["bench", "--suite", suite, "--out", out, "--retry-failed", "--no-report"]);
    expect([retried.status, retried.stderr]).toEqual([1, expect.anything()]);
    expect(retried.stdout).toMatch(/4 trials to run, 2 already done/);
    expect(rowsOf(out)).toHaveLength(6);
  }, 60_000);
});

describe("13. user errors are one line and exit 2", () => {
  it("a results.jsonl that is a folder, a truncated suite.json", () => {
    const out = tmp();
    expect(gsh(["bench", "--suite", suiteFile(small()), "--out", out, "--no-report"]).status).toBe(0);
    const suiteJson = join(out, "suite.json");
    writeFileSync(suiteJson, readFileSync(suiteJson, "utf8").slice(0, 100));
    for (const cmd of [
      ["report", out],
      ["merge", out, "--out", tmp()],
    ]) {
      const r = gsh(cmd);
      expect([cmd[0], r.status]).toEqual([cmd[0], 2]);
      expect(r.stderr).toMatch(/suite\.json/);
      expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
    }
    // An output gsh cannot write (here a folder where results.csv goes; read-only folders behave alike for non-root).
    const fresh = tmp();
    expect(gsh(["bench", "--suite", suiteFile(small()), "--out", fresh, "--no-report"]).status).toBe(0);
    mkdirSync(join(fresh, "results.csv"));
    const unwritable = gsh(["report", fresh, "--format", "csv"]);
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr.trim()).toMatch(/^gsh: .*results\.csv: EISDIR/);
    const folder = tmp();
    mkdirSync(join(folder, "results.jsonl"));
    for (const cmd of [
      ["report", folder],
      ["merge", folder, "--out", tmp()],
    ]) {
      const r = gsh(cmd);
      expect([cmd[0], r.status]).toEqual([cmd[0], 2]);
      expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
    }
  });
});

describe("13b. --estimate-from names a file it cannot use instead of estimating from less", () => {
  it("a missing file, a folder, a damaged line: one line naming the file (and line), exit 2", () => {
    const dir = tmp();
    const damaged = join(dir, "damaged.jsonl");
    writeFileSync(damaged, "{not json\n");
    for (const [file, pattern] of [
      [join(dir, "missing.jsonl"), /missing\.jsonl: no such file/],
      [dir, /no such file/],
      [damaged, /damaged\.jsonl:1: /],
    ] as const) {
      const r = gsh(["bench", "--suite", "smoke", "--dry-run", "--estimate-from", file]);
      expect([file, r.status]).toEqual([file, 2]);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
    }
  });
});

describe("14. an empty shard writes an empty, fingerprinted results file", () => {
  it("more shards than trials: every shard directory merges strictly", () => {
    const suite = suiteFile(small().replace("seeds: 4", "seeds: 1"));
    const root = tmp();
    const dirs = [0, 1, 2].map((i) => join(root, `s${i}`));
    for (const [i, d] of dirs.entries())
      expect(gsh(["bench", "--suite", suite, "--out", d, "--shard", `${i}/3`, "--no-report"]).status).toBe(0);
    expect(readFileSync(join(dirs[2], "results.jsonl"), "utf8")).toBe("");
    expect(JSON.parse(readFileSync(join(dirs[2], "suite.json"), "utf8")).fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const m = gsh(["merge", ...dirs, "--out", tmp()]);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/merged all 2 trials/);
  }, 30_000);
});

describe("15. outputs the runner did not check", () => {
  it("a bound that is not a number, a NaN trace, a throwing dispose, an invalid policy: failed rows with their own tags", () => {
    const out = tmp();
    const r = gsh([
      "bench",
      "--suite",
      suiteFile(withPlugin(["bad-bound", "bad-trace", "dispose-throws", "rows-sum-to-two"])),
      "--out",
      out,
      "--no-report",
    ]);
    expect(r.status).toBe(1);
    const tag = Object.fromEntries(rowsOf(out).map((x) => [x.algorithm, x.status === "failed" ? x.errorTag : "ok"]));
    expect(tag).toEqual({
      "bad-bound": "InvalidOutput",
      "bad-trace": "InvalidOutput",
      "dispose-throws": "DisposeFailed",
      "rows-sum-to-two": "InvalidPolicy",
    });
  });
});

describe("11. the lock lives on a heartbeat thread and compares no clocks", () => {
  const benchDist = join(__dirname, "..", "..", "..", "packages", "bench", "dist", "index.js");

  it("a holder whose main thread stalls for longer than the stale time keeps its lock", async () => {
    const dir = tmp();
    // The holder blocks its main thread for 12 s (a 5·10⁶-trial grid expanding; 3× the stale time, with room for a
    // slow start of the second process), then reports whether it lost the lock.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const { lockDir } = require(${JSON.stringify(benchDist)});
         lockDir(${JSON.stringify(dir)}).then(async (l) => {
           console.log("locked");
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 12000);
           console.log("compromised: " + (l.right.compromised() ? "yes" : "no"));
           await l.right.release();
         });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    holder.stdout.on("data", (d) => (out += d));
    while (!out.includes("locked")) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const second = gsh(["bench", "--suite", suiteFile(small()), "--out", dir, "--no-report"]);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/another gsh process is writing to this directory/);
    await new Promise((r) => holder.once("exit", r));
    expect(out).toMatch(/compromised: no/);
  }, 60_000);

  it("a stale lock from a killed process is taken over even when its files' times are in the future (clock skew)", () => {
    const dir = tmp();
    const lock = join(dir, ".gsh.lock");
    mkdirSync(lock);
    writeFileSync(join(lock, "owner.json"), JSON.stringify({ token: "dead", pid: 1, host: "elsewhere" }));
    writeFileSync(join(lock, "heartbeat"), "41");
    const future = new Date(Date.now() + 3600_000);
    for (const f of [join(lock, "owner.json"), join(lock, "heartbeat"), lock]) utimesSync(f, future, future);
    const r = gsh(["bench", "--suite", suiteFile(small()), "--out", dir, "--no-report"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(rowsOf(dir)).toHaveLength(8);
    expect(existsSync(lock)).toBe(false);
  }, 60_000);
});

describe("8. plugin loading is under a timeout, in the main thread and in workers", () => {
  const quick = { GSH_PLUGIN_LOAD_TIMEOUT_S: "3" };
  it.each([["list"], ["bench", "--suite", "smoke", "--no-report"]])(
    "a top-level await that never settles: '%s' exits 2 naming the plugin",
    (...cmd) => {
      const r = gsh(
        [...cmd, "--plugin", join(fixtures, "hangs-loading.mjs"), ...(cmd[0] === "bench" ? ["--out", tmp()] : [])],
        quick,
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/hangs-loading\.mjs.*did not finish loading within 3 s/);
    },
    30_000,
  );

  it("a plugin that hangs only while loading in a worker: the run stops with exit 2, not forever", () => {
    const out = tmp();
    const text = `name: w
plugins: [${JSON.stringify(join(fixtures, "hangs-loading-in-workers.mjs"))}]
seeds: 1
budgets: [20]
environments: [{ name: P }]
algorithms: [{ name: loads-in-main-only }]
`;
    const r = spawnSync(process.execPath, [bin, "bench", "--suite", suiteFile(text), "--out", out, "--no-report"], {
      encoding: "utf8",
      env: { ...process.env, ...quick },
      timeout: 40_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/did not finish loading in a worker thread within 3 s/);
  }, 60_000);
});

describe("16. plugin authoring: errors name the file and line", () => {
  // Written at test time: a broken file in the repository would break its own type check.
  const pluginFile = (name: string, text: string) => {
    const f = join(tmp(), name);
    writeFileSync(f, text);
    return f;
  };

  it("a syntax error keeps the compiler's message and its file:line", () => {
    const f = pluginFile("syntax-error.ts", "// a syntax error on line 2\nconst broken = ;\nexport default broken;\n");
    const r = gsh(["list", "--plugin", f], { GSH_PLUGIN_TYPECHECK: "0" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/syntax-error\.ts:2:\d+: ERROR: Unexpected ";"/);
  });

  it("a TypeScript plugin is type-checked against gsh's declarations when loaded: 'sigma' for 'covariance' is caught", () => {
    const f = pluginFile(
      "wrong-contract.ts",
      `// Returns the confidence set's Σ as \`sigma\` (the field is \`covariance\`).
import { defineAlgorithm, z } from "@gsh/bench";

export default defineAlgorithm({
  name: "wrong-contract",
  description: "returns Σ as sigma",
  params: z.object({}).strict(),
  run(ctx) {
    const d = ctx.problem.dim;
    return {
      policy: ctx.problem.reference,
      confidence: { theta: new Float64Array(d), sigma: new Float64Array(d * d), beta: 1 },
    };
  },
});
`,
    );
    const r = gsh(["list", "--plugin", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not type-check/);
    expect(r.stderr).toMatch(/wrong-contract\.ts:8:3: .*\n[\s\S]*Property 'covariance' is missing/);
  }, 60_000);
});
