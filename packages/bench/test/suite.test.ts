import * as E from "fp-ts/lib/Either";
import { availableBackends } from "@gsh/practical/neural";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gibbsSequencePolicy, linearSequenceGibbs } from "@gsh/preference";
import {
  defineAlgorithm,
  formatBenchError,
  z,
  builtinRegistry,
  expandTrials,
  backendsUsed,
  filterSuite,
  parseSuiteText,
  readSuiteFile,
  resolveSuite,
  shardTrials,
  suitePath,
} from "../src";
import { invalidCosts } from "../src/trial";

const dir = mkdtempSync(join(tmpdir(), "gsh-suite-"));

function load(text: string, name = "s.yaml") {
  const parsed = parseSuiteText(text, join(dir, name));
  if (E.isLeft(parsed)) return parsed;
  return resolveSuite(parsed.right, builtinRegistry(), join(dir, name), dir);
}

const ok = `name: t
seeds: 2
budgets: [100]
environments: [{ name: R }]
algorithms: [{ name: offline-gshf, params: { beta: 1 } }]
`;

describe("suite files", () => {
  it("the built-in suites parse and resolve", async () => {
    for (const name of ["smoke", "default", "paper", "sequence"]) {
      const f = await readSuiteFile(suitePath(name))();
      expect(f).toBeRight();
      if (E.isRight(f))
        expect(E.isRight(resolveSuite(f.right.file, builtinRegistry(), name, f.right.baseDir))).toBe(true);
    }
  });

  it("applies parameter defaults and expands the grid in a fixed order; shards partition it", () => {
    const s = load(ok);
    expect(s).toBeRight();
    if (E.isLeft(s)) return;
    expect(s.right.algorithms[0].params).toMatchObject({ beta: 1, option: "II", lambda: 1 });
    const trials = expandTrials(s.right);
    expect(trials.map((t) => t.id)).toEqual(["R|offline-gshf|100|0", "R|offline-gshf|100|1"]);
    const a = shardTrials(trials, 0, 2).map((t) => t.id);
    const b = shardTrials(trials, 1, 2).map((t) => t.id);
    expect([...a, ...b].sort()).toEqual(trials.map((t) => t.id).sort());
  });

  const bad: [string, string, RegExp, RegExp][] = [
    ["bad YAML", "name: [", /\(file\)/, /must .*end with a \] at line 1, column 8/],
    [
      "missing field",
      "name: t\nseeds: 2\nenvironments: [{ name: R }]\nalgorithms: [{ name: offline-gshf }]\n",
      /budgets/,
      /expected array|Invalid input|received undefined/i,
    ],
    [
      "unknown algorithm",
      ok.replace("offline-gshf", "dpo-typo"),
      /algorithms\[0\]\.name/,
      /unknown algorithm 'dpo-typo' \(known: .*offline-gshf/,
    ],
    [
      "bad parameter value",
      ok.replace("beta: 1", "beta: -2"),
      /algorithms\[0\]\.params\.beta/,
      />=0|too small|≥|greater/i,
    ],
    ["unknown parameter", ok.replace("beta: 1", "beta: 1, betta: 2"), /algorithms\[0\]\.params/, /betta|unrecognized/i],
    [
      "unknown environment parameter",
      ok.replace("{ name: R }", "{ name: R, params: { eta: 0 } }"),
      /environments\[0\]\.params\.eta/,
      />0|too small|greater/i,
    ],
    [
      "bad comparison",
      ok + "comparisons: [{ a: offline-gshf, b: nope }]\n",
      /comparisons\[0\]\.b/,
      /no algorithm labelled 'nope'/,
    ],
    ["unknown top-level key", ok + "seed: 3\n", /\(suite\)|seed/, /unrecognized|seed/i],
    [
      "impossible pairing (an algorithm that does not support the environment's kind)",
      ok.replace("offline-gshf, params: { beta: 1 }", "neural-iterative-dpo"),
      /algorithms\[0\]/,
      /'neural-iterative-dpo' \(neural-iterative-dpo\) supports sequence environments, not environment 'R' \(bandit\)/,
    ],
    [
      "an algorithm entry naming an unknown environment",
      ok.replace("params: { beta: 1 }", "params: { beta: 1 }, environments: [Q]"),
      /algorithms\[0\]\.environments\[0\]/,
      /no environment labelled 'Q'/,
    ],
  ];
  it.each(bad)(
    "%s: the error names the file, the path to the field and what was expected",
    (_name, text, path, message) => {
      const s = load(text, "bad.yaml");
      expect(E.isLeft(s)).toBe(true);
      if (E.isRight(s)) return;
      const err = s.left;
      const where =
        err._tag === "InvalidArgument" ? err.field : err._tag === "ParseError" ? `${err.source}: ${err.field}` : "";
      const what = err._tag === "InvalidArgument" || err._tag === "ParseError" ? err.message : "";
      expect(where).toContain(join(dir, "bad.yaml"));
      expect(where).toMatch(path);
      expect(what).toMatch(message);
    },
  );

  it("algorithm entries may name their environments and a number of seeds; the grid skips the rest", () => {
    const s = load(`name: mixed
seeds: 3
budgets: [100]
environments: [{ name: R }, { name: S }]
algorithms:
  - { name: dpo, seeds: 1 }
  - { name: neural-iterative-dpo, environments: [S] }
`);
    if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
    expect(expandTrials(s.right).map((t) => t.id)).toEqual([
      "R|dpo|100|0",
      "S|dpo|100|0",
      "S|neural-iterative-dpo|100|0",
      "S|neural-iterative-dpo|100|1",
      "S|neural-iterative-dpo|100|2",
    ]);
  });

  it("a missing file is an IOError", async () => {
    const r = await readSuiteFile(join(dir, "nope.yaml"))();
    expect(r).toBeLeft("IOError");
    writeFileSync(
      join(dir, "j.json"),
      JSON.stringify({
        name: "j",
        seeds: [3, 5],
        budgets: [10],
        environments: [{ name: "P" }],
        algorithms: [{ name: "offline-gshf" }],
      }),
    );
    const j = await readSuiteFile(join(dir, "j.json"))();
    expect(E.isRight(j) && j.right.file.seeds).toEqual([3, 5]);
  });
});

describe("filterSuite", () => {
  const text = `name: f
seeds: 1
budgets: [100]
environments:
  - { label: "R1", name: R }
  - { label: "H1", name: H }
algorithms:
  - { label: "b0", name: offline-gshf, params: { beta: 0 } }
  - { label: "b1", name: offline-gshf, params: { beta: 1 }, environments: ["H1"] }
  - { label: "on", name: online-gshf, params: { iterations: 2 } }
comparisons:
  - { a: "b1", b: "b0" }
  - { a: "on", b: "b0", environments: ["R1", "H1"] }
`;
  const file = parseSuiteText(text, join(dir, "f.yaml"));
  if (E.isLeft(file)) throw new Error(JSON.stringify(file.left));

  it("keeps matching entries and prunes restrictions and comparisons to what is kept", () => {
    const f = filterSuite(file.right, { environments: [/^R/] });
    if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
    expect(f.right.environments.map((e) => e.label)).toEqual(["R1"]);
    // b1 ran only on H1, which is gone: it goes too, and so does its comparison
    expect(f.right.algorithms.map((a) => a.label)).toEqual(["b0", "on"]);
    expect(f.right.comparisons).toEqual([{ a: "on", b: "b0", environments: ["R1"], expected: "none" }]);
    expect(E.isRight(resolveSuite(f.right, builtinRegistry(), join(dir, "f.yaml"), dir))).toBe(true);
  });

  it("alternatives of one kind are OR-ed; a filter that keeps nothing is an InvalidArgument naming it", () => {
    const f = filterSuite(file.right, { algorithms: [/^b0$/, /^on$/] });
    expect(E.isRight(f) && f.right.algorithms.map((a) => a.label)).toEqual(["b0", "on"]);
    expect(filterSuite(file.right, { algorithms: [/nothing/] })).toMatchObject({
      left: { _tag: "InvalidArgument", field: "filter" },
    });
  });
});

describe("sample efficiency in a suite", () => {
  const withEfficiency = (baseline: string) => `${ok}sampleEfficiency: { epsilons: [0.2], baseline: "${baseline}" }\n`;

  it("names an unknown baseline; a known one enters the fingerprint", () => {
    expect(load(withEfficiency("nope"))).toMatchObject({
      left: { _tag: "InvalidArgument", field: expect.stringContaining("sampleEfficiency.baseline") },
    });
    const s = load(withEfficiency("offline-gshf"));
    if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
    expect(s.right.sampleEfficiency).toEqual({ epsilons: [0.2], baseline: "offline-gshf", resamples: 2000 });
    const plain = load(ok);
    if (E.isLeft(plain)) throw new Error(JSON.stringify(plain.left));
    expect(expandTrials(plain.right)[0].fingerprint).not.toBe(expandTrials(s.right)[0].fingerprint);
  });

  it("a filter that removes the baseline drops the measurement, not the run", () => {
    const two = `${ok.replace("algorithms: [{ name: offline-gshf, params: { beta: 1 } }]", 'algorithms: [{ name: offline-gshf, params: { beta: 1 } }, { label: "on", name: online-gshf }]')}sampleEfficiency: { baseline: "on" }\n`;
    const file = parseSuiteText(two, join(dir, "e.yaml"));
    if (E.isLeft(file)) throw new Error(JSON.stringify(file.left));
    const kept = filterSuite(file.right, { algorithms: [/^on$/] });
    expect(E.isRight(kept) && kept.right.sampleEfficiency?.baseline).toBe("on");
    const dropped = filterSuite(file.right, { algorithms: [/offline/] });
    expect(E.isRight(dropped) && dropped.right.sampleEfficiency).toBeUndefined();
  });
});

describe("no silent fallbacks", () => {
  it("a TF.js backend that is not available is refused at load, naming the available ones, unless backendFallback is set", () => {
    // Whichever backend this machine lacks (on the project's machines tfjs-node-gpu: libtensorflow cannot be
    // downloaded); a machine with all of them has nothing to refuse.
    const missing = (["tensorflow-gpu", "tensorflow", "wasm"] as const).find((b) => !availableBackends().includes(b));
    if (!missing) return;
    const suite = (extra: string) => `name: b
seeds: 1
budgets: [100]
environments: [{ name: R }]
algorithms: [{ name: neural-dpo, params: { backend: ${missing}${extra} } }]
`;
    const refused = load(suite(""));
    expect(E.isLeft(refused)).toBe(true);
    if (E.isLeft(refused))
      expect(formatBenchError(refused.left)).toMatch(
        new RegExp(`backend.*'${missing}' is not available here \\(available: .*cpu\\)`),
      );
    expect(E.isRight(load(suite(", backendFallback: true")))).toBe(true);
  });

  it("an algorithm's costs are validated: unknown keys and bad values are named", () => {
    expect(invalidCosts(undefined)).toBeNull();
    expect(invalidCosts({ candidatesSampled: 3, gradientSteps: 0 })).toBeNull();
    expect(invalidCosts({ gradientStep: 5 })).toBe(
      "unknown cost 'gradientStep' (the costs are candidatesSampled, rewardModelCalls, gradientSteps)",
    );
    expect(invalidCosts({ rewardModelCalls: -1 })).toMatch(/rewardModelCalls' must be a finite number ≥ 0, got -1/);
  });
});

describe("backendsUsed", () => {
  it("counts the TF.js backend of each neural row for the summary; null when no row has one", () => {
    const row = (backend?: string) => ({ status: "ok", diagnostics: backend ? { backend } : {} }) as never;
    expect(backendsUsed([row("wasm"), row("wasm"), row("cpu"), row()])).toBe(
      "TF.js backends: wasm (2 trials), cpu (1 trials)",
    );
    expect(backendsUsed([row()])).toBeNull();
  });
});

describe("--set overrides (applyOverride)", () => {
  const text = `name: o
seeds: 2
budgets: [100]
environments: [{ label: "R1", name: R }]
algorithms: [{ label: "b0", name: offline-gshf, params: { beta: 0 } }]
`;
  it("sets top-level and per-entry fields by label before validation, values as YAML", () => {
    const f = parseSuiteText(text, join(dir, "o.yaml"), [
      "seeds=5",
      "budgets=[300, 1000]",
      "algorithms.b0.params.beta=1.5",
    ]);
    if (E.isLeft(f)) throw new Error(JSON.stringify(f.left));
    expect(f.right.seeds).toBe(5);
    expect(f.right.budgets).toEqual([300, 1000]);
    expect(f.right.algorithms[0].params).toEqual({ beta: 1.5 });
  });
  it("a bad path or value is an error naming the override, and the schema still checks the result", () => {
    expect(parseSuiteText(text, join(dir, "o.yaml"), ["algorithms.zz.params.beta=1"])).toMatchObject({
      left: { _tag: "InvalidArgument", field: "set" },
    });
    expect(parseSuiteText(text, join(dir, "o.yaml"), ["nonsense"])).toMatchObject({ left: { field: "set" } });
    const r = parseSuiteText(text, join(dir, "o.yaml"), ["seeds=0"]);
    expect(r).toBeLeft("InvalidArgument", { field: `${join(dir, "o.yaml")}: seeds` });
  });
});

describe("pairings an algorithm cannot run", () => {
  // A definition that runs on every kind but refuses sequences above 1000 responses per prompt for one setting.
  const picky = defineAlgorithm({
    name: "picky",
    description: "test",
    supports: ["bandit", "sequence"],
    params: z.object({ exhaustive: z.boolean().default(false) }).strict(),
    unsupported: (shape, p) =>
      p.exhaustive && shape.kind === "sequence" && !((shape.responsesPerPrompt ?? Infinity) <= 1000)
        ? `enumerates every response; ${shape.responsesPerPrompt ?? "unknown"} per prompt is too many`
        : null,
    run: (ctx) => ({
      policy:
        ctx.kind === "sequence"
          ? gibbsSequencePolicy(linearSequenceGibbs(ctx.problem, new Float64Array(ctx.problem.dim)))
          : ctx.problem.reference,
    }),
  });
  const registry = { ...builtinRegistry(), algorithms: new Map([...builtinRegistry().algorithms, ["picky", picky]]) };
  const resolve = (text: string) => {
    const parsed = parseSuiteText(text, join(dir, "u.yaml"));
    if (E.isLeft(parsed)) return parsed;
    return resolveSuite(parsed.right, registry, join(dir, "u.yaml"), dir);
  };
  const suite = (params: string) => `name: u
seeds: 1
budgets: [100]
environments: [{ name: R }, { label: "S small", name: S, params: { vocab: 3, length: 4 } }, { name: S-large }]
algorithms: [{ label: "P", name: picky, params: ${params} }]
`;

  it("is refused when the suite loads, as UnsupportedOnKind naming the entry, the environment and the reason", () => {
    const r = resolve(suite("{ exhaustive: true }"));
    expect(E.isLeft(r) && r.left._tag).toBe("UnsupportedOnKind");
    if (E.isLeft(r))
      expect(formatBenchError(r.left)).toBe(
        `${join(dir, "u.yaml")}: algorithms[0]: 'P' cannot run on environment 'S-large' (sequence): enumerates every response; ${64 ** 32} per prompt is too many; restrict it with 'environments: [...]'`,
      );
  });

  it("sees each environment's responses per prompt from its parameters (3⁴ = 81 on the small S passes)", () => {
    const seen: (number | undefined)[] = [];
    const spy = {
      ...picky,
      unsupported: (shape: { responsesPerPrompt?: number }) => (seen.push(shape.responsesPerPrompt), null),
    };
    const reg = { ...registry, algorithms: new Map([...registry.algorithms, ["picky", spy]]) };
    const parsed = parseSuiteText(suite("{}"), join(dir, "u.yaml"));
    expect(E.isRight(parsed) && E.isRight(resolveSuite(parsed.right, reg, join(dir, "u.yaml"), dir))).toBe(true);
    expect(seen).toEqual([32, 81, 64 ** 32]);
  });

  it("the same entry restricted to the environments it can run on loads", () => {
    expect(
      E.isRight(
        resolve(
          suite("{ exhaustive: true }").replace(
            "params: { exhaustive: true } }",
            'params: { exhaustive: true }, environments: [R, "S small"] }',
          ),
        ),
      ),
    ).toBe(true);
  });

  it("the built-ins say so too: Option II (enumerated) on S-large and the UCB bonus on S are refused when the suite loads", () => {
    const r = load(`name: t
seeds: 1
budgets: [100]
environments: [{ name: S-large }]
algorithms: [{ name: offline-gshf, params: { beta: 1, option: "II" } }]
`);
    expect(E.isLeft(r) && r.left._tag).toBe("UnsupportedOnKind");
    if (E.isLeft(r))
      expect(formatBenchError(r.left)).toMatch(/cannot run on environment 'S-large' \(sequence\): .*262144/);
    const xpo = load(`name: t
seeds: 1
budgets: [100]
environments: [{ name: R }, { name: S }]
algorithms: [{ label: UCB, name: online-gshf, params: { exploration: ucb-bonus } }]
`);
    expect(E.isLeft(xpo) && xpo.left._tag).toBe("UnsupportedOnKind");
    if (E.isLeft(xpo))
      expect(formatBenchError(xpo.left)).toMatch(/'UCB' cannot run on environment 'S' \(sequence\): .*Markov/);
  });
});

describe("a comparison's expected side", () => {
  const base = `name: e
seeds: 2
budgets: [100]
environments: [{ name: R }]
algorithms: [{ label: a, name: offline-gshf }, { label: b, name: offline-gshf, params: { beta: 1 } }]
`;
  it("is A, B or none (the default), and anything else is refused naming the field", () => {
    const ok = parseSuiteText(`${base}comparisons: [{ a: a, b: b, expected: B }, { a: b, b: a }]\n`, "e.yaml");
    expect(E.isRight(ok) && ok.right.comparisons.map((c) => c.expected)).toEqual(["B", "none"]);
    const bad = parseSuiteText(`${base}comparisons: [{ a: a, b: b, expected: yes }]\n`, "e.yaml");
    expect(bad).toMatchObject({ left: { field: expect.stringContaining("comparisons[0].expected") } });
  });
});
