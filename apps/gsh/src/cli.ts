import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { existsSync, statSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { SingleBar } from "cli-progress";
import * as E from "fp-ts/lib/Either";
import { GshException } from "@gsh/core";
import {
  type BenchError,
  formatBenchError,
  builtinRegistry,
  builtinSuitesDir,
  builtinSuiteNames,
  estimateRunSeconds,
  expandTrials,
  filterSuite,
  shardTrials,
  type Trial,
  loadPlugins,
  mergeResultDirs,
  resultsDirStatus,
  withDirLock,
  shardFromEnvironment,
  readSuiteFile,
  resolveSuite,
  runSuite,
  suitePath,
} from "@gsh/bench";
import {
  type Completeness,
  REPORT_FORMATS,
  type ReportFormat,
  type ResultRow,
  formatTimings,
  readResults,
  readResultsFile,
  timingProfile,
  writeReport,
} from "@gsh/report";
import { UserDataError, registerUserDataCommands } from "./user-data-commands";
import { scaffoldPlugin } from "./new-plugin";
import { builtinSuiteLines, formatSuiteLines, hangingWrap } from "./suite-list";

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, trialsFailed: 1, usage: 2, internal: 3 } as const;

class UsageError extends Error {}

/** The report's files for a log line: the charts/ SVGs and PNGs counted, not listed one by one. */
function describeFiles(files: readonly string[]): string {
  const isChart = (f: string, ext: string) => new RegExp(`[\\\\/]charts[\\\\/][^\\\\/]+\\.${ext}$`).test(f);
  const svgs = files.filter((f) => isChart(f, "svg"));
  const pngs = files.filter((f) => isChart(f, "png"));
  const rest = files.filter((f) => !isChart(f, "svg") && !isChart(f, "png"));
  const charts = [...svgs, ...pngs];
  const counts = [svgs.length ? `${svgs.length} SVG` : "", pngs.length ? `${pngs.length} PNG` : ""].filter(Boolean);
  return [...rest, ...(charts.length ? [`${counts.join(" + ")} charts in ${dirname(charts[0])}`] : [])].join(", ");
}

function orUsage<T>(e: E.Either<BenchError, T>): T {
  if (E.isLeft(e)) throw new UsageError(formatBenchError(e.left));
  return e.right;
}

function parseShard(v: string): { index: number; count: number } | "auto" {
  if (v === "auto") return "auto";
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) < 1)
    throw new InvalidArgumentError("expected i/N with 0 ≤ i < N (e.g. 0/4), or auto");
  return { index: Number(m[1]), count: Number(m[2]) };
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, "-").replace(/\..+$/, "");
}

interface BenchOptions {
  suite: string;
  out?: string;
  workers?: number;
  seeds?: number;
  shard?: { index: number; count: number } | "auto";
  shardCount?: number;
  resume?: boolean;
  retryFailed?: boolean;
  plugin: string[];
  report: boolean;
  filter: string[];
  set: string[];
  dryRun?: boolean;
  estimateFrom: string[];
  savePolicies?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/**
 * The expanded grid, per environment × algorithm, and an estimated wall time from the per-trial medians of earlier
 * runs' results (matched by names, parameters and budget, else by labels and budget); nothing runs or is written.
 */
function dryRun(
  trials: readonly Trial[],
  workers: number,
  estimateFrom: readonly string[],
  log: (s: string) => void,
): void {
  const rows = estimateFrom.flatMap((f) => {
    // an estimate from a file that is not there, or from some of its lines, would be silently low
    if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`--estimate-from ${f}: no such file`);
    const { rows: read, corrupt } = readResultsFile(f);
    if (corrupt.length)
      throw new UsageError(
        `--estimate-from ${f}:${corrupt[0].line}: ${corrupt[0].reason}${corrupt.length > 1 ? ` (${corrupt.length} bad lines in all)` : ""}`,
      );
    return read;
  });
  const cells = new Map<string, number>();
  for (const t of trials) {
    const k = `${t.environment.label} | ${t.algorithm.label}`;
    cells.set(k, (cells.get(k) ?? 0) + 1);
  }
  const width = Math.max(...[...cells.keys()].map((k) => k.length));
  for (const [k, n] of cells) log(`${k.padEnd(width)}  ${String(n).padStart(6)} trials`);
  log(`${"total".padEnd(width)}  ${String(trials.length).padStart(6)} trials`);
  if (estimateFrom.length === 0) {
    log(
      "estimated time: unknown (pass --estimate-from <results.jsonl> of an earlier run to estimate from its trial times)",
    );
    return;
  }
  const { seconds, unknown, byLabels } = estimateRunSeconds(trials, rows, workers);
  const notes = [
    byLabels ? `${byLabels} timed by their labels alone, no row having their parameters` : "",
    unknown ? `${unknown} trials have no timing there and are not counted` : "",
  ].filter(Boolean);
  log(
    `estimated time: ${seconds.toFixed(0)} s on ${workers} workers (trial medians from ${estimateFrom.join(", ")}${notes.length ? `; ${notes.join("; ")}` : ""})`,
  );
}

/** --filter env:<regex> | alg:<regex>, as regular expressions by kind. */
function parseFilters(specs: readonly string[]): { environments: RegExp[]; algorithms: RegExp[] } {
  const out = { environments: [] as RegExp[], algorithms: [] as RegExp[] };
  for (const spec of specs) {
    const m = /^(env|alg):(.+)$/.exec(spec);
    if (!m) throw new UsageError(`--filter ${spec}: expected env:<regex> or alg:<regex>`);
    let re: RegExp;
    try {
      re = new RegExp(m[2]);
    } catch (e) {
      throw new UsageError(`--filter ${spec}: ${(e as Error).message}`);
    }
    (m[1] === "env" ? out.environments : out.algorithms).push(re);
  }
  return out;
}

async function bench(opts: BenchOptions, out: (s: string) => void): Promise<number> {
  // --quiet and --json keep stdout for scripts: nothing but the directory (quiet) or one JSON document (json).
  const log = opts.quiet || opts.json ? () => {} : out;
  const path = suitePath(opts.suite);
  const { file, baseDir } = orUsage(await readSuiteFile(path, opts.set)());
  // Suite plugins resolve against the suite file's folder, --plugin ones against the working directory.
  const checked = { typecheck: true };
  const withSuitePlugins = orUsage(await loadPlugins(builtinRegistry(), file.plugins, baseDir, checked)());
  const registry = orUsage(await loadPlugins(withSuitePlugins, opts.plugin, process.cwd(), checked)());
  const filtered = opts.filter.length ? orUsage(filterSuite(file, parseFilters(opts.filter))) : file;
  const suite = orUsage(
    resolveSuite(opts.seeds ? { ...filtered, seeds: opts.seeds } : filtered, registry, path, baseDir),
  );
  if (opts.shardCount !== undefined && opts.shard !== "auto")
    throw new UsageError("--shard-count goes with --shard auto");
  const auto = opts.shard === "auto" ? orUsage(shardFromEnvironment(process.env, opts.shardCount)) : null;
  const shard = auto ?? (opts.shard === "auto" ? undefined : opts.shard);
  if (auto) log(`shard ${auto.index}/${auto.count} from ${auto.source}'s variables`);
  if (opts.dryRun) {
    const all = expandTrials(suite);
    dryRun(
      shard ? shardTrials(all, shard.index, shard.count) : all,
      opts.workers ?? availableParallelism(),
      opts.estimateFrom,
      log,
    );
    return EXIT.ok;
  }
  // Each shard owns its own directory: under --out (or bench-results/<suite>) a shard-i-of-N folder when automatic.
  const shardDir = shard ? `shard-${shard.index}-of-${shard.count}` : "";
  const outDir = auto
    ? join(opts.out ?? join("bench-results", suite.name), shardDir)
    : (opts.out ?? join("bench-results", `${suite.name}-${timestamp()}${shard ? `-${shardDir}` : ""}`));
  const tty = process.stderr.isTTY === true && !opts.quiet && !opts.json;
  let report: Awaited<ReturnType<typeof reportOf>> | null = null;
  const bar = tty
    ? new SingleBar({
        format: "{bar} {value}/{total} trials | {percentage}% | ETA {eta_formatted} | {last}",
        hideCursor: true,
        etaBuffer: 50,
      })
    : null;
  const started = Date.now();
  const summary = orUsage(
    await runSuite(suite, registry, {
      outDir,
      workers: opts.workers,
      resume: opts.resume || opts.retryFailed,
      retryFailed: opts.retryFailed,
      shard,
      savePolicies: opts.savePolicies,
      onQuarantine(lines, where) {
        log(`moved ${lines} bad lines (unparsable or duplicate) to ${where}; every valid row was kept`);
      },
      onStart(total, skipped) {
        log(
          `suite ${suite.name}: ${total} trials to run${skipped ? `, ${skipped} already done` : ""}, ${opts.workers ?? availableParallelism()} workers → ${outDir}`,
        );
        bar?.start(total, 0, { last: "" });
      },
      onTrial(row: ResultRow, done, total) {
        const what = `${row.environment} | ${row.algorithm} | ${row.budget} | seed ${row.seed}: ${row.status === "ok" ? (row.metrics.subopt === null ? `win rate vs π0 ${row.metrics.winRateVsReference?.toFixed(3)}` : `SubOpt ${row.metrics.subopt.toExponential(3)}${row.metrics.estimated ? " (est.)" : ""}`) : `FAILED ${row.error}`}`;
        if (bar) bar.update(done, { last: what.slice(0, 80) });
        else log(`[${done}/${total}] ${what} (${(row.wallMs / 1000).toFixed(2)} s)`);
      },
      // Still holding the directory's lock: no other gsh writes into it between the last row and the report.
      async onFinish() {
        bar?.stop();
        if (!opts.report) return;
        report = await reportOf(outDir);
        log("\n" + hangingWrap(`wrote ${describeFiles(report.files)} (every table in summary.txt)`, 120, 2));
      },
    })(),
  );
  bar?.stop();
  const wall = (Date.now() - started) / 1000;
  log(
    `\n${summary.trials} trials in ${wall.toFixed(1)} s (${(summary.trials / Math.max(wall, 1e-9)).toFixed(2)} trials/s), ${summary.failed} failed, ${summary.skipped} skipped (already done)`,
  );
  if (summary.failed > 0)
    log(
      `failed trials by cause: ${Object.entries(summary.failures)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")} (the error of each is in results.jsonl and results.csv)`,
    );
  if (summary.failedEarlier > 0)
    log(`${summary.failedEarlier} failed rows remain from earlier runs; rerun those trials with --retry-failed`);
  // The console summary ends with the headline (at most 120 columns); the wide tables are in summary.txt.
  if (report) log("\n" + (report as { console: string }).console);
  if (opts.quiet) out(outDir);
  if (opts.json)
    out(
      JSON.stringify({
        suite: suite.name,
        outDir,
        trials: summary.trials,
        failed: summary.failed,
        skipped: summary.skipped,
        failedEarlier: summary.failedEarlier,
        wallSeconds: wall,
        ...(report ? { report: reportJson(report) } : {}),
      }),
    );
  return summary.failed + summary.failedEarlier > 0 ? EXIT.trialsFailed : EXIT.ok;
}

/**
 * Writes a directory's report after checking it against its suite: rows of another suite are refused, and missing
 * trials make every output say "partial: k of n" (the caller holds the directory's lock).
 */
async function reportOf(dir: string, formats?: readonly ReportFormat[]) {
  const status = orUsage(resultsDirStatus(dir));
  const completeness: Completeness | undefined = status.expected
    ? { expected: status.expected.length, missing: status.missing }
    : undefined;
  return writeReport(dir, formats, completeness);
}

/** The report's answer as data, for `--json`: the headline, the claims, every verdict and the files written. */
function reportJson(rep: Awaited<ReturnType<typeof reportOf>>) {
  return {
    headline: { ...rep.headline, budgets: Object.fromEntries(rep.headline.budgets) },
    claims: rep.claims.map((c) => ({ ...c, atLargest: Object.fromEntries(c.atLargest) })),
    verdicts: rep.verdicts,
    files: rep.files,
  };
}

function cliVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../package.json") as { version: string }).version;
}

/** The built-in suites for help texts; a suite that cannot be read here is named with the reason. */
function suiteList(): string {
  return formatSuiteLines(builtinSuiteLines(builtinRegistry())).join("\n");
}

export function buildProgram(log: (s: string) => void = (s) => console.log(s)): Command {
  const program = new Command("gsh")
    .description("gsh: benchmarks for KL-regularized RLHF, every algorithm scored exactly against a known optimum")
    .version(cliVersion(), "-V, --version", "print the gsh version")
    .showHelpAfterError("(gsh <command> --help shows its options)")
    .exitOverride();

  program
    .command("bench")
    .description(
      "run a suite (default: the default suite) and write results.jsonl, results.csv, summary.txt and report.html",
    )
    .option(
      "--suite <name|file>",
      `built-in suite name (${builtinSuiteNames().join(", ")}; listed below) or a suite file`,
      "default",
    )
    .option("--out <dir>", "output directory (default bench-results/<suite>-<timestamp>)")
    .option("--workers <n>", "worker threads (default: all cores)", positiveInt)
    .option("--seeds <n>", "override the suite's seeds with 0..n-1", positiveInt)
    .option(
      "--shard <i/N|auto>",
      "run only the deterministic slice i of N; auto: from Slurm array, Kubernetes Indexed Job or GSH_SHARD_INDEX variables",
      parseShard,
    )
    .option(
      "--shard-count <n>",
      "with --shard auto: the number of shards (Kubernetes sets only the index)",
      positiveInt,
    )
    .option(
      "--resume",
      "continue an interrupted run in --out (skips finished trials; exits 1 while failed rows remain)",
    )
    .option(
      "--retry-failed",
      "like --resume, and rerun the trials whose rows failed (their rows move to results.retried.jsonl)",
    )
    .option("--plugin <package|path>", "load algorithms/environments from a plugin (repeatable)", collect, [])
    .option(
      "--filter <env:re|alg:re>",
      "run only environments / algorithms whose label matches the regular expression (repeatable)",
      collect,
      [],
    )
    .option(
      "--set <path=value>",
      "override a suite field before validation, e.g. seeds=3 or 'algorithms.RSO N=64.params.syntheticPairs=4096' (repeatable)",
      collect,
      [],
    )
    .option("--dry-run", "print the expanded grid and an estimated time; run nothing")
    .option(
      "--estimate-from <results.jsonl>",
      "with --dry-run: estimate from earlier runs' trial times (repeatable; any suite's rows with a trial's names, parameters and budget time it)",
      collect,
      [],
    )
    .option("--no-report", "skip the tables and report.html")
    .option("--quiet", "print nothing but errors and, at the end, the results directory")
    .option("--json", "print one JSON document at the end (counts, headline, claims, verdicts, files) and nothing else")
    .option(
      "--save-policies",
      "save each trial's fitted reward model and its policy's reward parameters in --out/policies/ (gsh/reward-model JSON, the format of gsh export)",
    )
    .addHelpText("after", () => `\nBuilt-in suites (${builtinSuitesDir}):\n${suiteList()}`)
    .action(async (opts: BenchOptions) => {
      process.exitCode = await bench(opts, log);
    });

  program
    .command("list")
    .description("list algorithms, environments and built-in suites (with --plugin, plugins' too)")
    .option("--plugin <package|path>", "load a plugin (repeatable)", collect, [])
    .action(async (opts: { plugin: string[] }) => {
      const reg = orUsage(await loadPlugins(builtinRegistry(), opts.plugin, process.cwd(), { typecheck: true })());
      const item = (text: string) => log(hangingWrap(`  ${text}`, 120, 27));
      log("Algorithms:");
      for (const a of reg.algorithms.values())
        item(`${a.name.padEnd(24)} [${a.track}; ${a.supports.join(", ")}] ${a.description}`);
      for (const [name, why] of reg.unavailable ?? []) item(`${name.padEnd(24)} [unavailable] ${why}`);
      log("Environments:");
      for (const e of reg.environments.values()) item(`${e.name.padEnd(24)} [${e.environmentKind}] ${e.description}`);
      log(`Suites (${builtinSuitesDir}), with the time a whole run took when measured:`);
      for (const line of formatSuiteLines(builtinSuiteLines(reg))) log(line);
    });

  program
    .command("report <dir>")
    .description(
      "rebuild the report files from <dir>/results.jsonl: results.csv, summary.txt and report.html by default",
    )
    .option(
      "--format <csv|txt|md|html|svg|png>",
      "write only these (repeatable; md is the summary as Markdown tables)",
      collect,
      [],
    )
    .option("--quiet", "print nothing but errors")
    .option("--json", "print one JSON document (headline, claims, verdicts, files) and nothing else")
    .option("--timings", "print where the run's time went (algorithm × environment, costliest first) and write nothing")
    .option("--top <n>", "with --timings: show the n costliest entries, the rest summed in one line", positiveInt)
    .option("--workers <n>", "with --timings: the worker count to divide the total by", positiveInt)
    .action(
      async (
        dir: string,
        o: { format: string[]; quiet?: boolean; json?: boolean; timings?: boolean; top?: number; workers?: number },
      ) => {
        if (!existsSync(join(dir, "results.jsonl"))) throw new UsageError(`${dir}: no results.jsonl`);
        if (!o.timings && (o.top !== undefined || o.workers !== undefined))
          throw new UsageError("--top and --workers go with --timings");
        if (o.timings) {
          const profile = timingProfile(readResults(join(dir, "results.jsonl")));
          if (o.json) log(JSON.stringify({ dir, timings: profile }));
          else log(formatTimings(profile, { top: o.top, workers: o.workers }));
          return;
        }
        const bad = o.format.find((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
        if (bad) throw new UsageError(`--format ${bad}: expected one of ${REPORT_FORMATS.join(", ")}`);
        const rep = orUsage(
          await withDirLock(dir, async () =>
            E.right(await reportOf(dir, o.format.length ? (o.format as ReportFormat[]) : undefined)),
          ),
        );
        if (o.json) log(JSON.stringify({ dir, report: reportJson(rep) }));
        else if (!o.quiet)
          log(
            `${hangingWrap(`wrote ${describeFiles(rep.files)} (every table in summary.txt)`, 120, 2)}\n\n${rep.console}`,
          );
      },
    );

  program
    .command("merge <dirs...>")
    .description(
      "merge shard outputs into --out, strictly: same suite, no overlap, no bad line, every trial present (or --allow-partial)",
    )
    .option("--out <dir>", "output directory", join("bench-results", `merged-${timestamp()}`))
    .option("--allow-partial", "merge even if trials are missing; every output then says 'partial: k of n trials'")
    .action(async (dirs: string[], opts: { out: string; allowPartial?: boolean }) => {
      for (const d of dirs) if (!existsSync(join(d, "results.jsonl"))) throw new UsageError(`${d}: no results.jsonl`);
      // The merge and its report are written under --out's lock, into an empty or new directory only.
      const rep = orUsage(
        await withDirLock(opts.out, async () => {
          const r = mergeResultDirs(dirs, opts.out, { allowPartial: opts.allowPartial });
          if (E.isLeft(r)) return r;
          log(
            r.right.partial
              ? `partial: merged ${r.right.rows} of ${r.right.expected} trials into ${opts.out} (${r.right.missing.length} missing, e.g. '${r.right.missing[0]}')`
              : `merged all ${r.right.rows} trials of the suite into ${opts.out}`,
          );
          return E.right(await reportOf(opts.out));
        }),
      );
      log(rep.console);
    });

  registerUserDataCommands(program, log);

  program
    .command("new-plugin <file>")
    .description("write a working algorithm plugin (.ts or .mjs) and a suite that runs it against β = 0")
    .action(async (file: string) => {
      let r: Awaited<ReturnType<typeof scaffoldPlugin>>;
      try {
        r = await scaffoldPlugin(file);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      log(`wrote ${r.plugin} (algorithm '${r.name}') and ${r.suite}; try: gsh bench --suite ${r.suite}`);
    });

  program
    .command("doctor")
    .description("print versions, cores and the compute backend that would be used")
    .action(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const version = (p: string) => (require(`${p}/package.json`) as { version: string }).version;
      log(`node ${process.version} on ${process.platform}/${process.arch}`);
      log(`cores: ${availableParallelism()} (${cpus()[0]?.model ?? "unknown"})`);
      for (const p of ["@gsh/core", "@gsh/preference", "@gsh/offline", "@gsh/online", "@gsh/practical", "@gsh/bench"])
        log(`${p} ${version(p)}`);
      const { kernelBackend } = await import("@gsh/core");
      const k = kernelBackend();
      log(
        `f64 kernels (theory track, log-linear and tabular policies): ${k.backend}${k.reason ? ` (${k.reason})` : ""}`,
      );
      const { chooseBackend, platformProbe } = await import("@gsh/practical/neural");
      const has = (pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node") =>
        platformProbe.hasNativeBinding(pkg) ? "binding found" : "not usable (no native binding)";
      log(
        `TF.js backend for neural policies: ${chooseBackend()} (tfjs-node-gpu: ${has("@tensorflow/tfjs-node-gpu")}; tfjs-node: ${has("@tensorflow/tfjs-node")}; wasm: ${platformProbe.hasWasm() ? "available" : "missing"})`,
      );
    });

  return program;
}

/** Filesystem errors that are the user's to fix, with what they mean. */
const FILE_ERRORS = new Map([
  ["EACCES", "permission denied"],
  ["EPERM", "operation not permitted"],
  ["EROFS", "read-only file system"],
  ["EISDIR", "a folder where a file was expected"],
  ["ENOTDIR", "a file where a folder was expected"],
  ["ENOENT", "no such file or folder"],
  ["ENOSPC", "no space left on the device"],
  ["EDQUOT", "disk quota exceeded"],
]);

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
      return EXIT.ok;
    if (err.code?.startsWith("commander.")) return EXIT.usage;
    if (e instanceof UsageError || e instanceof UserDataError || e instanceof GshException) {
      console.error(`gsh: ${e.message}`);
      return EXIT.usage;
    }
    // A path the user gave that cannot be read or written (read-only, a folder where a file goes, a full disk).
    const fsError = e as NodeJS.ErrnoException;
    if (typeof fsError?.code === "string" && typeof fsError.path === "string" && FILE_ERRORS.has(fsError.code)) {
      console.error(`gsh: ${fsError.path}: ${fsError.code} (${FILE_ERRORS.get(fsError.code)})`);
      return EXIT.usage;
    }
    console.error(`gsh: internal error: ${(e as Error)?.stack ?? String(e)}`);
    console.error("This is a bug in gsh: please report it with the command you ran and the output above.");
    return EXIT.internal;
  }
}
