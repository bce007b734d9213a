import * as E from "fp-ts/lib/Either";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  builtinRegistry,
  expandTrials,
  formatBenchError,
  parseSuiteText,
  readSuiteFile,
  resolveSuite,
  suitePath,
} from "../src";

// The policy-gradient suite resolves, and its learners' bad parameters are refused when a suite loads, naming the
// entry and the parameter, before any trial runs.

const dir = mkdtempSync(join(tmpdir(), "gsh-pg-suite-"));
const load = (algorithm: string, environment = "{ name: R }") => {
  const text = `name: t\nseeds: 1\nbudgets: [100]\nenvironments: [${environment}]\nalgorithms: [${algorithm}]\n`;
  const parsed = parseSuiteText(text, join(dir, "pg.yaml"));
  return E.isLeft(parsed) ? parsed : resolveSuite(parsed.right, builtinRegistry(), join(dir, "pg.yaml"), dir);
};
const refusal = (r: ReturnType<typeof load>) => (E.isLeft(r) ? formatBenchError(r.left) : "accepted");

describe("the policy-gradient suite", () => {
  it("parses and resolves, with its stated grid", async () => {
    const f = await readSuiteFile(suitePath("policy-gradient"))();
    expect(f).toBeRight();
    if (E.isLeft(f)) return;
    const s = resolveSuite(f.right.file, builtinRegistry(), "policy-gradient", f.right.baseDir);
    expect(E.isRight(s)).toBe(true);
    if (E.isRight(s)) expect(expandTrials(s.right).length).toBe(434);
  });

  it.each([
    ["{ name: rloo, params: { samplesPerPrompt: 1 } }", /algorithms\[0\]\.params\.samplesPerPrompt.*k ≥ 2/],
    ["{ name: grpo, params: { samplesPerPrompt: 1 } }", /algorithms\[0\]\.params\.samplesPerPrompt/],
    ["{ name: ppo, params: { klEstimator: k5 } }", /algorithms\[0\]\.params\.klEstimator/],
    ["{ name: reinforce, params: { klPlacement: advantage } }", /algorithms\[0\]\.params\.klPlacement/],
    ["{ name: dr-grpo, params: { klCoefficient: -1 } }", /algorithms\[0\]\.params\.klCoefficient.*≥ 0/],
    ["{ name: ppo, params: { clip: 1.2 } }", /algorithms\[0\]\.params\.clip.*\(0, 1\)/],
  ])("%s is refused, naming the parameter", (algorithm, message) => {
    expect(refusal(load(algorithm))).toMatch(message);
  });

  it("r* where the environment has none is refused before running", () => {
    const r = load("{ name: rloo, params: { reward: gold } }", "{ name: NT }");
    expect(E.isLeft(r) && r.left._tag).toBe("UnsupportedOnKind");
    expect(refusal(r)).toMatch(/reward 'gold' needs an r\*/);
  });
});
