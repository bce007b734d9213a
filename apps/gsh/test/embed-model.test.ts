// gsh embed --model: a tiny sentence-embedding model made from known weights (fixtures/make-tiny-embedding-model.cjs)
// run through transformers.js, so the test knows the embeddings it must produce; and the install hint.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRuntime } from "../src/model-embedder";
import { gsh, tmp } from "./helpers";

interface TinyModel {
  VOCAB: string[];
  DIM: number;
  MODEL_ID: string;
  table(): Float32Array;
  writeModel(folder: string): void;
}

describe("gsh embed --model <folder>", () => {
  const dir = tmp();
  let tiny: TinyModel;
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tiny = require(join(__dirname, "fixtures", "make-tiny-embedding-model.cjs")) as TinyModel;
    tiny.writeModel(join(dir, "tiny-model"));
  });

  /** normalise(mean of the table's rows of the text's words), unknown words as [UNK]: what the model computes. */
  const expected = (text: string) => {
    const E = tiny.table();
    const v = new Float64Array(tiny.DIM);
    const words = text.toLowerCase().split(" ");
    for (const w of words) {
      const id = Math.max(tiny.VOCAB.indexOf(w), 1);
      for (let k = 0; k < tiny.DIM; k++) v[k] += E[id * tiny.DIM + k] / words.length;
    }
    const n = Math.hypot(...v);
    return Array.from(v, (x) => x / n);
  };

  it("embeds each response with the model, records its id and dimension, and the features are the known ones", () => {
    const text = join(dir, "prefs.jsonl");
    writeFileSync(
      text,
      [
        { prompt: "q", chosen: "the answer is clear", rejected: "the answer is wrong" },
        { prompt: "q", chosen: "Helpful", rejected: "rude zzz vague" },
        { prompt: "q", response: "correct answer" },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    const out = join(dir, "data.jsonl");
    const r = gsh(["embed", text, "--out", out, "--model", join(dir, "tiny-model")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gsh-test\/tiny-mean-embedding, d = 4/);
    const records = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records[0].embedding).toEqual({ model: tiny.MODEL_ID, dim: 4, input: "response" });
    const candidates = records.filter((c) => c.type === "candidate");
    expect(candidates).toHaveLength(5);
    for (const c of candidates) {
      const want = expected(c.text);
      // f32 weights and pooling: agreement to f32 precision
      c.features.forEach((v: number, k: number) => expect(Math.abs(v - want[k])).toBeLessThan(1e-6));
    }
    // the id travels into the reward model
    const model = join(dir, "model.json");
    expect(gsh(["fit", out, "--out", model, "--folds", "0"]).status).toBe(0);
    expect(JSON.parse(readFileSync(model, "utf8")).embedding).toEqual({
      model: tiny.MODEL_ID,
      dim: 4,
      input: "response",
    });
  });

  it("a folder that is not a model, and a missing runtime, are one-line errors with the install hint", () => {
    const r = gsh(["embed", join(dir, "prefs.jsonl"), "--out", join(dir, "x.jsonl"), "--model", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no config\.json in the folder/);
    expect(() => loadRuntime("@gsh/no-such-runtime")).toThrow(
      "--model needs the optional runtime @gsh/no-such-runtime: npm install @gsh/no-such-runtime",
    );
  });
});
