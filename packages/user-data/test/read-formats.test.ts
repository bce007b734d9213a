// The reader's new inputs: labels and ties, unknown fields, score fields, π0 from model log-probabilities, TRL's
// conversational layout, unlabelled candidates, and errors that name the line and the field the file used.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { type ReaderOptions, type UserProblem, fitUserModel, readUserProblem } from "../src";

const dir = mkdtempSync(join(tmpdir(), "gsh-read-formats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
async function read(records: unknown[], options: ReaderOptions = {}): Promise<E.Either<GshError, UserProblem>> {
  const path = join(dir, `f${fileNo++}.jsonl`);
  writeFileSync(path, records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");
  return readUserProblem(path, options)();
}

async function ok(records: unknown[], options: ReaderOptions = {}): Promise<UserProblem> {
  const r = await read(records, options);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
}

async function fails(records: unknown[], line: number, field: string, message: RegExp, options: ReaderOptions = {}) {
  const r = await read(records, options);
  expect(E.isLeft(r)).toBe(true);
  if (E.isLeft(r)) {
    expect(r.left).toMatchObject({ _tag: "ParseError", line, field });
    expect((r.left as { message: string }).message).toMatch(message);
  }
}

const cand = (id: string, prompt: string, features: number[], extra = {}) => ({
  type: "candidate",
  id,
  prompt,
  features,
  ...extra,
});

describe("labels, ties and unknown fields", () => {
  it("reads label p and tie, and a soft label changes θ̂ (it was read as a hard win before)", async () => {
    const base = [cand("a", "q", [1, 0]), cand("b", "q", [0, 1]), cand("c", "q", [1, 1])];
    const pairs = [
      { type: "pair", chosen: "a", rejected: "b" },
      { type: "pair", chosen: "c", rejected: "b" },
      { type: "pair", chosen: "a", rejected: "c", label: 0.5 },
      { type: "pair", chosen: "b", rejected: "c", tie: true },
    ];
    const p = await ok([...base, ...pairs]);
    expect(Array.from(p.labels!)).toEqual([1, 1, 0.5, 1]);
    expect(Array.from(p.ties!)).toEqual([0, 0, 0, 1]);
    const soft = await ok([...base, ...pairs.slice(0, 3)]);
    const hard = await ok([...base, ...pairs.slice(0, 2), { type: "pair", chosen: "a", rejected: "c" }]);
    expect(hard.labels).toBeUndefined(); // all hard wins: the plain BT path
    const fs = fitUserModel(soft, { folds: 0 });
    const fh = fitUserModel(hard, { folds: 0 });
    if (E.isLeft(fs) || E.isLeft(fh)) throw new Error("fit failed");
    const gap = Math.hypot(fs.right.theta[0] - fh.right.theta[0], fs.right.theta[1] - fh.right.theta[1]);
    expect(gap).toBeGreaterThan(0.05);
    const withTie = fitUserModel(p, { folds: 0 });
    if (E.isLeft(withTie)) throw new Error("fit failed");
    expect(withTie.right.tieParameter).toBeGreaterThan(0);
    expect(withTie.right.outcomes).toEqual({ hard: 2, soft: 1, ties: 1 });
  });

  it("reads TRL's margin, and a margin changes θ̂", async () => {
    const row = { prompt: "q", chosen: "x", rejected: "y", chosen_embedding: [1], rejected_embedding: [0] };
    const p = await ok([
      { ...row, margin: 2 },
      { ...row, chosen: "z", chosen_embedding: [0.5] },
    ]);
    expect(Array.from(p.margins!)).toEqual([2, 0]);
    const plain = await ok([row, { ...row, chosen: "z", chosen_embedding: [0.5] }]);
    const a = fitUserModel(p, { folds: 0 });
    const b = fitUserModel(plain, { folds: 0 });
    if (E.isLeft(a) || E.isLeft(b)) throw new Error("fit failed");
    expect(a.right.theta[0]).toBeGreaterThan(b.right.theta[0] + 0.1);
    await fails([{ ...row, margin: "big" }], 1, "margin", /finite number/);
    await fails([{ ...row, margin: 1, tie: true }], 1, "margin", /a tie has no margin/);
  });

  it("bad labels and ties name their line and field", async () => {
    const base = [cand("a", "q", [1, 0]), cand("b", "q", [0, 1])];
    await fails([...base, { type: "pair", chosen: "a", rejected: "b", label: 1.5 }], 3, "label", /in \[0, 1\]/);
    await fails([...base, { type: "pair", chosen: "a", rejected: "b", label: "yes" }], 3, "label", /in \[0, 1\]/);
    await fails([...base, { type: "pair", chosen: "a", rejected: "b", tie: 1 }], 3, "tie", /true or false/);
    await fails([...base, { type: "pair", chosen: "a", rejected: "b", tie: true, label: 0.5 }], 3, "label", /not both/);
  });

  it("an unknown field is an error naming it, unless the header (or the option) allows extra fields", async () => {
    const rows = [cand("a", "q", [1, 0], { note: "x" }), cand("b", "q", [0, 1])];
    await fails(rows, 1, "note", /unknown field/);
    await fails(
      [{ prompt: "q", chosen: "x", rejected: "y", chosen_embedding: [1], rejected_embedding: [0], source: "s" }],
      1,
      "source",
      /unknown field/,
    );
    await fails([{ type: "problem", colour: "red" }], 1, "colour", /unknown field/);
    await fails([{ type: "problem", extraFields: "sometimes" }], 1, "extraFields", /"allow" or "error"/);
    expect((await ok([{ type: "problem", extraFields: "allow" }, ...rows])).candidates).toEqual(["a", "b"]);
    expect((await ok(rows, { allowExtraFields: true })).candidates).toEqual(["a", "b"]);
    // a header may open the pairs layout too
    const pairs = await ok([
      { type: "problem", extraFields: "allow" },
      { prompt: "q", chosen: "x", rejected: "y", chosen_embedding: [1], rejected_embedding: [0], source: "s" },
    ]);
    expect(pairs.chosen.length).toBe(1);
  });

  it("score_chosen/score_rejected set p = σ((s_c − s_r)/T) with a temperature, and are an error without one", async () => {
    const row = { prompt: "q", chosen: "x", rejected: "y", chosen_embedding: [1], rejected_embedding: [0] };
    const scored = { ...row, score_chosen: 8, score_rejected: 6 };
    await fails([scored], 1, "score_chosen", /--score-temperature/);
    const p = await ok([scored], { scoreTemperature: 2 });
    expect(p.labels![0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    await fails([{ ...row, score_chosen: 8 }], 1, "score_rejected", /finite number/, { scoreTemperature: 2 });
    expect((await ok([scored], { allowExtraFields: true })).labels).toBeUndefined();
  });
});

describe("π0 and its errors", () => {
  it("a bad reference sum names the line and the field the file used (logReference, not reference at line 0)", async () => {
    const l = Math.log(0.3);
    await fails(
      [cand("a", "q", [1, 0], { logReference: l }), cand("b", "q", [0, 1], { logReference: l })],
      2,
      "logReference",
      /logReference values sum to 0\.6/,
    );
    await fails(
      [cand("a", "q", [1, 0], { reference: 0.3 }), cand("b", "r", [0, 1]), cand("c", "q", [0, 1], { reference: 0.3 })],
      3,
      "reference",
      /sum to 0\.6/,
    );
    await fails(
      [cand("a", "q", [1, 0], { reference: 0.5 }), cand("b", "q", [0, 1], { logprob: -3 })],
      2,
      "logprob",
      /mixes/,
    );
  });

  it("logprob (a log-probability under the user's model) is renormalised over the prompt's candidates", async () => {
    const p = await ok([cand("a", "q", [1, 0], { logprob: -10 }), cand("b", "q", [0, 1], { logprob: -11 })]);
    const e = Math.exp(-1);
    expect(Math.exp(p.referenceLogProb[0])).toBeCloseTo(1 / (1 + e), 14);
    expect(Math.exp(p.referenceLogProb[1])).toBeCloseTo(e / (1 + e), 14);
  });
});

describe("TRL layouts and unlabelled candidates", () => {
  const user = (content: string) => ({ role: "user", content });
  const bot = (content: string) => ({ role: "assistant", content });

  it("reads the conversational layout, explicit and implicit prompt, to the same problem", async () => {
    const explicit = await ok([
      {
        prompt: [user("hi")],
        chosen: [bot("hello")],
        rejected: [bot("go away")],
        chosen_embedding: [1, 0],
        rejected_embedding: [0, 1],
      },
    ]);
    const implicit = await ok([
      {
        chosen: [user("hi"), bot("hello")],
        rejected: [user("hi"), bot("go away")],
        chosen_embedding: [1, 0],
        rejected_embedding: [0, 1],
      },
    ]);
    expect(implicit.prompts).toEqual(explicit.prompts);
    expect(implicit.candidates).toEqual(explicit.candidates);
    expect(explicit.promptTexts).toEqual([[user("hi")]]);
    expect(explicit.candidateTexts).toEqual([[bot("hello")], [bot("go away")]]);
    await fails(
      [{ chosen: [bot("a")], rejected: [user("b")], chosen_embedding: [1], rejected_embedding: [0] }],
      1,
      "prompt",
      /implicit prompt/,
    );
    await fails(
      [{ prompt: [{ role: "user" }], chosen: "a", rejected: "b", chosen_embedding: [1], rejected_embedding: [0] }],
      1,
      "prompt",
      /message 0/,
    );
  });

  it("unlabelled responses join their prompt's candidates, with log-probabilities as π0", async () => {
    const withLogprobs = {
      prompt: "q",
      chosen: "x",
      rejected: "y",
      chosen_embedding: [1],
      rejected_embedding: [0],
      chosen_logprob: -2,
      rejected_logprob: -3,
    };
    const p = await ok([withLogprobs, { prompt: "q", response: "z", response_embedding: [0.5], logprob: -2 }]);
    expect(p.candidates.length).toBe(3);
    expect(p.chosen.length).toBe(1);
    const z = Math.exp(-2) * 2 + Math.exp(-3);
    expect(Math.exp(p.referenceLogProb[2])).toBeCloseTo(Math.exp(-2) / z, 14);
    expect(p.candidateTexts).toEqual(["x", "y", "z"]);
    await fails([{ prompt: "q", chosen: "x", rejected: "y" }], 1, "chosen_embedding", /gsh embed/);
    await fails(
      [withLogprobs, { prompt: "q", response: "x", response_embedding: [1], logprob: -5 }],
      2,
      "logprob",
      /appeared at line 1/,
    );
  });
});
