// gsh fit | policy | suggest | export | testbed-data as users run them: the built bin in a child process.
import { spawnSync } from "node:child_process";
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

describe("a TRL user's text preferences: embed → fit → policy → suggest → export --format dpo", () => {
  const dir = tmp();
  const good = ["clear", "helpful", "correct", "kind", "precise"];
  const bad = ["rude", "wrong", "vague", "lazy", "false"];
  const neutral = ["the", "answer", "is", "a", "this", "it", "so", "we"];
  const vocab = [...good, ...bad, ...neutral];
  // A hidden reward the labels come from: 1.5 per good word, −1.5 per bad one.
  const hidden = (t: string) =>
    1.5 * t.split(" ").reduce((s, w) => s + (good.includes(w) ? 1 : bad.includes(w) ? -1 : 0), 0);
  let state = 12345;
  const uniform = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const response = () => Array.from({ length: 8 }, () => vocab[Math.floor(uniform() * vocab.length)]).join(" ");
  const text = join(dir, "prefs.jsonl");
  const data = join(dir, "data.jsonl");
  const model = join(dir, "model.json");

  it("gives a fitted model, a policy better than π0 on the hidden reward, new pairs to label, DPO rows and a Python loader", () => {
    const lines: string[] = [];
    for (let x = 0; x < 60; x++) {
      const prompt = `question ${x}`;
      const rs = [response(), response(), response()];
      for (const [a, b] of [
        [0, 1],
        [1, 2],
        [0, 2],
      ]) {
        const p = 1 / (1 + Math.exp(-(hidden(rs[a]) - hidden(rs[b]))));
        const [c, r] = uniform() < p ? [rs[a], rs[b]] : [rs[b], rs[a]];
        lines.push(JSON.stringify({ prompt, chosen: c, rejected: r }));
      }
      for (let k = 0; k < 2; k++) lines.push(JSON.stringify({ prompt, response: response() }));
    }
    writeFileSync(text, lines.join("\n") + "\n");

    const emb = gsh(["embed", text, "--out", data, "--dim", "64"]);
    expect(emb.stderr).toBe("");
    expect(emb.stdout).toMatch(/wrote 300 candidates of 60 prompts and 180 labelled pairs \(hashed-ngrams-v1, d = 64/);
    const fit = gsh(["fit", data, "--out", model]);
    expect(fit.status).toBe(0);
    const acc = Number(/accuracy (0\.\d+)/.exec(fit.stdout)![1]);
    expect(acc).toBeGreaterThan(0.6);
    expect(JSON.parse(readFileSync(model, "utf8")).embedding).toEqual({
      model: "hashed-ngrams-v1",
      dim: 64,
      input: "response",
    });

    const pol = gsh(["policy", data, "--model", model, "--eta", "1", "--out", join(dir, "policy.jsonl")]);
    expect(pol.status).toBe(0);
    expect(pol.stdout).toMatch(
      /overall \(d0-weighted\): E_π\[r̂\] = -?\d\.\d{4} \(π0: -?\d\.\d{4}\), KL\(π‖π0\) = \d\.\d{4}/,
    );
    const rows = readFileSync(join(dir, "policy.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    let gain = 0;
    for (const r of rows) gain += ((r.probability - r.reference) * hidden(r.candidate_text)) / 60;
    expect(gain).toBeGreaterThan(0.1); // E_π r* − E_π0 r*, averaged over prompts

    const sug = gsh(["suggest", data, "--model", model, "--batch", "30", "--eta", "1"]);
    expect(sug.status).toBe(0);
    const asked = sug.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(asked).toHaveLength(30);
    const labelled = new Set(
      readFileSync(data, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === "pair")
        .map((r) => [r.chosen, r.rejected].sort().join("|")),
    );
    expect(asked.filter((q) => labelled.has([q.first, q.second].sort().join("|")))).toEqual([]);
    const perPrompt = new Map<string, number>();
    for (const q of asked) perPrompt.set(q.prompt, (perPrompt.get(q.prompt) ?? 0) + 1);
    expect(Math.max(...perPrompt.values())).toBe(1); // 30 pairs over 60 prompts: one each at most

    // the labeller answers (from the hidden reward) and the answers go back into the file as pair records
    const answers = asked.map((q) =>
      JSON.stringify(
        hidden(q.first_text) >= hidden(q.second_text)
          ? { type: "pair", chosen: q.first, rejected: q.second }
          : { type: "pair", chosen: q.second, rejected: q.first },
      ),
    );
    writeFileSync(data, readFileSync(data, "utf8") + answers.join("\n") + "\n");
    const dpo = join(dir, "dpo.jsonl");
    const exp = gsh([
      "export",
      model,
      "--format",
      "dpo",
      "--data",
      data,
      "--out",
      dpo,
      "--python",
      join(dir, "load.py"),
    ]);
    expect(exp.status).toBe(0);
    const dpoRows = readFileSync(dpo, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(dpoRows).toHaveLength(210);
    expect(Object.keys(dpoRows[0]).sort()).toEqual(["chosen", "prompt", "rejected"]);
    expect(dpoRows[200].prompt).toMatch(/^question \d+$/);

    // the numpy loader scores the candidates' features as gsh did (policy's reward column), within 1e-9 relative
    const python = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
    if (python.status !== 0) {
      console.warn("skipped the Python loader check: python3 with numpy is not available here");
      return;
    }
    const script = [
      "import json, sys",
      "exec(open(sys.argv[1]).read())",
      "model, theta = load_reward_model(sys.argv[2])",
      "cands = [json.loads(l) for l in open(sys.argv[3]) if '\"candidate\"' in l]",
      "scores = score(theta, [c['features'] for c in cands])",
      "print(json.dumps({c['id']: float(s) for c, s in zip(cands, scores)}))",
    ].join("\n");
    const run = spawnSync("python3", ["-c", script, join(dir, "load.py"), model, data], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const theirs = JSON.parse(run.stdout.trim().split("\n").pop()!);
    for (const r of rows) {
      const rel = Math.abs(theirs[r.candidate] - r.reward) / Math.abs(r.reward);
      expect(rel).toBeLessThan(1e-9);
    }
  });

  it("every output path is checked before any work: one line, exit 2, nothing written", () => {
    const missing = join(dir, "no-such-folder", "out.json");
    for (const args of [
      ["fit", data, "--out", missing],
      ["policy", data, "--eta", "1", "--out", missing],
      ["policy", data, "--eta", "1", "--summary", missing],
      ["suggest", data, "--batch", "2", "--eta", "1", "--out", missing],
      ["export", model, "--out", missing],
      ["export", model, "--out", join(dir, "ok.json"), "--python", missing],
      ["embed", text, "--out", missing],
      ["testbed-data", "R", "--out", missing],
    ]) {
      const r = gsh(args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe(""); // no fit, no summary: the check came first
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/does not exist \(create it first\)/);
      const folder = gsh(args.map((a) => (a === missing ? dir : a)));
      expect(folder.status).toBe(2);
      expect(folder.stderr).toMatch(/is a folder; give a file path inside it/);
    }
    expect(existsSync(join(dir, "ok.json"))).toBe(false);
  });

  it("a bad reference sum names its line and the field the file used; a fully labelled file says none are left", () => {
    const f = join(dir, "ref.jsonl");
    const l = Math.log(0.3);
    writeFileSync(
      f,
      [
        { type: "candidate", id: "a", prompt: "q", features: [1, 0], logReference: l },
        { type: "candidate", id: "b", prompt: "q", features: [0, 1], logReference: l },
        { type: "pair", chosen: "a", rejected: "b" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const r = gsh(["fit", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^gsh: ${f}:2: field 'logReference': prompt "q": its candidates' logReference values sum to 0\\.6 `),
    );
    const full = join(dir, "full.jsonl");
    writeFileSync(
      full,
      [
        { type: "candidate", id: "a", prompt: "q", features: [1, 0] },
        { type: "candidate", id: "b", prompt: "q", features: [0, 1] },
        { type: "pair", chosen: "b", rejected: "a" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    const s = gsh(["suggest", full, "--batch", "3", "--eta", "1", "--rule", "thompson"]);
    expect(s.status).toBe(0);
    expect(s.stdout).toBe("");
    expect(s.stderr).toMatch(/every pair of candidates is already labelled, nothing left to ask/);
  });
});
