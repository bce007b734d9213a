import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "kubernetes-models/batch/v1";
import { parse } from "yaml";
import { tmp } from "./helpers";

// The deploy/ files checked statically (issue 24): schema-valid, and the shard index and count wired as the bench
// README documents. The Slurm script itself runs on a real cluster in CI (tooling/slurm/check-array.sh).
const deploy = join(__dirname, "..", "..", "..", "deploy");
const text = (f: string) => readFileSync(join(deploy, f), "utf8");
// Parsed YAML, read loosely: a missing field reads as undefined and is reported, not thrown.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** What is wrong with the Indexed Job's wiring (empty: nothing). */
function jobWiring(manifest: Loose): string[] {
  const problems: string[] = [];
  const spec = manifest.spec ?? {};
  if (spec.completionMode !== "Indexed") problems.push("completionMode is not Indexed (no JOB_COMPLETION_INDEX)");
  const container = spec.template?.spec?.containers?.[0] ?? {};
  const command = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
  if (!/bench .*--shard auto/.test(command)) problems.push("the container does not run 'gsh bench --shard auto'");
  const count = (container.env ?? []).find((e: { name: string }) => e.name === "GSH_SHARD_COUNT")?.value;
  if (count !== String(spec.completions)) problems.push(`GSH_SHARD_COUNT ${count} ≠ completions ${spec.completions}`);
  return problems;
}

/** What is wrong with the workflow's wiring (empty: nothing). */
function workflowWiring(workflow: Loose): string[] {
  const problems: string[] = [];
  const shard = workflow.jobs?.shard ?? {};
  const steps: Loose[] = shard.steps ?? [];
  const bench = steps.find((s) => /bench .*--shard auto/.test(s.run ?? ""));
  if (!bench) return ["no step runs 'gsh bench --shard auto'"];
  if (bench.env?.GSH_SHARD_INDEX !== "${{ strategy.job-index }}") problems.push("GSH_SHARD_INDEX is not the job index");
  if (bench.env?.GSH_SHARD_COUNT !== "${{ strategy.job-total }}") problems.push("GSH_SHARD_COUNT is not the job total");
  const matrix = shard.strategy?.matrix ?? {};
  if (Object.keys(matrix).length !== 1 || !Array.isArray(Object.values(matrix)[0]))
    problems.push("the matrix is not one list (job-total would not be the shard count)");
  const upload = steps.find((s) => /upload-artifact/.test(s.uses ?? ""));
  if (!/\$\{\{ strategy\.job-index \}\}/.test(upload?.with?.name ?? ""))
    problems.push("shard artifacts are not named by index");
  const merge = workflow.jobs?.merge ?? {};
  if (![merge.needs].flat().includes("shard")) problems.push("the merge job does not wait for the shards");
  if (!(merge.steps ?? []).some((s: { run?: string }) => /merge shards\/shard-\*/.test(s.run ?? "")))
    problems.push("the merge job does not merge every shard directory");
  return problems;
}

describe("deploy/ files", () => {
  it("the Kubernetes Indexed Job is a valid batch/v1 Job, and GSH_SHARD_COUNT equals completions", () => {
    const manifest = parse(text("kubernetes-indexed-job.yaml"));
    expect(() => new Job(manifest).validate()).not.toThrow();
    expect(jobWiring(manifest)).toEqual([]);
    // The checks can fail: a count that disagrees, and a field of the wrong type.
    const wrong = structuredClone(manifest);
    wrong.spec.completions = 6;
    expect(jobWiring(wrong)).toEqual(["GSH_SHARD_COUNT 8 ≠ completions 6"]);
    wrong.spec.completions = "six";
    expect(() => new Job(wrong).validate()).toThrow();
  });

  it("the GitHub Actions workflow is valid by GitHub's schema, with the matrix index and total mapped to GSH_SHARD_*", () => {
    const validate = (file: string) => {
      const r = spawnSync(process.execPath, [join(__dirname, "validate-workflow.mjs"), file], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout) as string[];
    };
    const file = join(deploy, "github-actions-matrix.yml");
    expect(validate(file)).toEqual([]);
    expect(workflowWiring(parse(text("github-actions-matrix.yml")))).toEqual([]);
    const broken = join(tmp(), "broken.yml");
    writeFileSync(broken, text("github-actions-matrix.yml").replace("runs-on: ubuntu-latest", "run-on: ubuntu-latest"));
    expect(validate(broken).join("\n")).toMatch(/run-on/);
    const swapped = parse(text("github-actions-matrix.yml").replace("job-total", "job-index"));
    expect(workflowWiring(swapped)).toEqual(["GSH_SHARD_COUNT is not the job total"]);
  }, 30_000);

  it("the Slurm script runs 'gsh bench --shard auto' with --resume into one folder per suite", () => {
    const script = text("slurm-array.sbatch");
    expect(script).toMatch(/^#!\/bin\/bash/);
    expect(script).toMatch(
      /bench --suite "\$\{GSH_SUITE:-paper\}" --shard auto --out "bench-results\/\$\{GSH_SUITE:-paper\}"/,
    );
    expect(script).toMatch(/--resume/);
    const r = spawnSync("bash", ["-n", join(deploy, "slurm-array.sbatch")], { encoding: "utf8" });
    expect(r.status).toBe(0);
  });
});
