// gsh fit | policy | suggest | export | testbed-data as users run them: the built bin in a child process.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gsh, tmp } from "./helpers";

describe("gsh on a user's own data", () => {
  const dir = tmp();
  const data = join(dir, "r.jsonl");
  const model = join(dir, "model.json");

  it("testbed-data → fit → policy → suggest → export, following the README; θ̂ is near θ* on R", () => {
    const made = gsh(["testbed-data", "R", "--pairs", "3000", "--seed", "1", "--out", data]);
    expect(made.status).toBe(0);
    const truth = JSON.parse(readFileSync(join(dir, "r.theta-star.json"), "utf8"));
    const fit = gsh(["fit", data, "--out", model, "--norm-bound", String(truth.normBound)]);
    expect(fit.status).toBe(0);
    expect(fit.stdout).toMatch(/asymptotic\s+√χ²\(d, 1−δ\) = 3\.6553/);
    expect(fit.stdout).toMatch(/worst-case theory radius = /);
    expect(fit.stdout).toMatch(/5-fold cross-validation: accuracy 0\.\d+, log-loss 0\.\d+, ECE 0\.\d+/);
    const m = JSON.parse(readFileSync(model, "utf8"));
    expect(m).toMatchObject({ schema: "gsh/reward-model", version: 1, dim: 8 });
    const err = Math.hypot(...m.theta.map((v: number, k: number) => v - truth.thetaStar[k]));
    expect(err / Math.hypot(...truth.thetaStar)).toBeLessThan(0.35); // 1610 informative pairs, d = 8

    const pol = gsh([
      "policy",
      data,
      "--model",
      model,
      "--eta",
      "0.1",
      "--beta",
      "1",
      "--option",
      "I",
      "--out",
      join(dir, "pol.jsonl"),
    ]);
    expect(pol.status).toBe(0);
    const rows = readFileSync(join(dir, "pol.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(50 * 32);
    const mass = rows.filter((r) => r.prompt === "x0").reduce((s, r) => s + r.probability, 0);
    expect(mass).toBeCloseTo(1, 12);

    const sug = gsh(["suggest", data, "--model", model, "--batch", "7", "--eta", "0.1", "--rule", "thompson"]);
    expect(sug.status).toBe(0);
    const pairs = sug.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(pairs).toHaveLength(7);
    expect(Object.keys(pairs[0]).sort()).toEqual(["first", "predicted", "prompt", "second"]);

    const small = join(dir, "small.json");
    expect(gsh(["export", model, "--out", small, "--parameters-only"]).status).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(small, "utf8"))).sort()).toEqual([
      "dim",
      "lambda",
      "schema",
      "theta",
      "version",
    ]);
  });

  it("a malformed file: one line naming file:line:field, exit 2, and nothing written", () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      '{"type":"candidate","id":"a","prompt":"p","features":[1,2]}\n{"type":"candidate","id":"b","prompt":"p","features":[1]}\n',
    );
    const before = readdirSync(dir).sort();
    const r = gsh(["fit", bad, "--out", join(dir, "never.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`gsh: ${bad}:2: field 'features': has 1 entries, expected 2`);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, "never.json"))).toBe(false);
    const unknown = gsh(["suggest", data, "--batch", "3", "--eta", "0.1", "--rule", "magic"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--rule must be enhancer, uncertainty or thompson, got magic/);
  });
});
