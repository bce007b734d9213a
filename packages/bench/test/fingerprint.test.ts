import * as E from "fp-ts/lib/Either";
import { FINGERPRINT_SCHEMA, builtinRegistry, parseSuiteText, resolveSuite, suiteFingerprint } from "../src";
import { suiteMismatch } from "../src/results-dir";

// The fingerprint binds a results directory to a grid and to the code that ran it (issue 24, item 9).
const suiteOf = (text: string) => {
  const parsed = parseSuiteText(text, "s.yaml");
  if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
  const r = resolveSuite(parsed.right, builtinRegistry(), "s.yaml", ".");
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const text = (algorithms: string, seeds = "[0, 1, 2]") => `name: f
seeds: ${seeds}
budgets: [100, 300]
environments: [{ label: "R", name: R }, { label: "P", name: P }]
algorithms: ${algorithms}
`;
const two = `[{ label: "β=0", name: offline-gshf, params: { beta: 0 } }, { label: "DPO", name: dpo }]`;
const swapped = `[{ label: "DPO", name: dpo }, { label: "β=0", name: offline-gshf, params: { beta: 0 } }]`;

describe("suiteFingerprint", () => {
  const suite = suiteOf(text(two));
  const fingerprint = suiteFingerprint(suite);
  const record = (changes: object) => ({ ...suite, fingerprintSchema: FINGERPRINT_SCHEMA, ...changes });

  it("ignores the order of entries and seeds (they change no trial)", () => {
    expect(suiteFingerprint(suiteOf(text(swapped, "[2, 0, 1]")))).toBe(fingerprint);
  });

  it.each([
    ["gsh's version", { gshVersion: "0.0.9" }, /gsh 0\.0\.9 → /],
    ["the commit", { commit: "0123456789abcdef" }, /commit 0123456789ab → /],
    ["the dirty flag", { dirty: !suite.code!.dirty }, /uncommitted changes/],
    ["a plugin's content", { plugins: [{ file: "p.ts", sha256: "00" }] }, /plugin p\.ts is no longer loaded/],
  ])("changes with %s, and a resume says so", (_what, code, message) => {
    const theirs = { ...suite, code: { ...suite.code!, ...code } };
    expect(suiteFingerprint(theirs)).not.toBe(fingerprint);
    const why = suiteMismatch(record({ code: theirs.code, fingerprint: suiteFingerprint(theirs) }), suite, fingerprint);
    expect(why).toMatch(/run by other code/);
    expect(why).toMatch(message);
  });

  it("a changed grid is reported as another suite; an older fingerprint schema as an older gsh", () => {
    const other = suiteOf(text(two, "[0, 1]"));
    expect(suiteMismatch(record({ ...other, fingerprint: suiteFingerprint(other) }), suite, fingerprint)).toMatch(
      /holds another suite/,
    );
    expect(suiteMismatch({ ...suite, fingerprint }, suite, fingerprint)).toMatch(/older gsh \(fingerprint schema 1/);
    expect(suiteMismatch(record({ fingerprint }), suite, fingerprint)).toBeNull();
  });
});
