// Text in: the hashed featuriser (deterministic, collisions as stated) and `embedTextFile` on TRL-style text.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { Rng, type GshError } from "@gsh/core";
import {
  HASHED_FEATURISER,
  type Embedder,
  embedTextFile,
  fnv1a32,
  hashedEmbedder,
  ngramHash,
  hashedFeatures,
  ngrams,
  readUserProblem,
  writeUserProblem,
} from "../src";

const dir = mkdtempSync(join(tmpdir(), "gsh-embed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function right<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
}

/** FNV-1a 32 written from its definition with BigInt, to hold the fast one to. */
function fnvReference(s: string): number {
  let h = 0x811c9dc5n;
  for (const b of Buffer.from(s, "utf8")) h = ((h ^ BigInt(b)) * 0x01000193n) % 2n ** 32n;
  return Number(h);
}

/** MurmurHash3's fmix32 from its definition with BigInt. */
function fmixReference(h0: number): number {
  const M = 2n ** 32n;
  let h = BigInt(h0);
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) % M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) % M;
  h ^= h >> 16n;
  return Number(h);
}

const bucketHash = (g: string) => fmixReference(fnvReference(g));

describe("the hashed featuriser", () => {
  it("hashes with FNV-1a: the published test vectors and a BigInt reference on random text", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    expect(ngramHash("w:cat")).toBe(bucketHash("w:cat"));
    const rng = Rng.seeded(1);
    const alphabet = "abcxyz é漢字🙂 ,.";
    for (let i = 0; i < 200; i++) {
      const s = Array.from(
        { length: 1 + Math.floor(rng.uniform() * 12) },
        () => [...alphabet][Math.floor(rng.uniform() * [...alphabet].length)],
      ).join("");
      expect(fnv1a32(s)).toBe(fnvReference(s));
      expect(ngramHash(s)).toBe(bucketHash(s));
    }
  });

  it("counts lower-cased words and adjacent-word bigrams", () => {
    expect(ngrams("Hello, World! hello")).toEqual(["w:hello", "w:world", "w:hello", "b:hello world", "b:world hello"]);
    expect(ngrams("  ")).toEqual([]);
  });

  it("is deterministic, unit length, and is the signed count of its n-grams' buckets", () => {
    const text = "The cat sat on the mat, the cat.";
    const v = hashedFeatures(text, 64);
    expect(Array.from(hashedFeatures(text, 64))).toEqual(Array.from(v));
    expect(Math.hypot(...v)).toBeCloseTo(1, 14);
    const counts = new Float64Array(64);
    for (const g of ngrams(text)) counts[bucketHash(g) % 64] += bucketHash(`±${g}`) % 2 === 1 ? 1 : -1;
    const n = Math.hypot(...counts);
    for (let k = 0; k < 64; k++) expect(v[k]).toBeCloseTo(counts[k] / n, 15);
    expect(Array.from(hashedFeatures("", 8))).toEqual(new Array(8).fill(0));
  });

  it("collides as a uniform hash does (FNV-1a alone did not: 866 pairs, 7 sd off): k distinct n-grams share a bucket in k(k − 1)/(2D) pairs (within 5 sd)", () => {
    const k = 3000,
      D = 4096;
    const buckets = new Float64Array(D);
    let plus = 0;
    for (let i = 0; i < k; i++) {
      const g = `w:token${i}`;
      buckets[ngramHash(g) % D]++;
      plus += ngramHash(`±${g}`) & 1;
    }
    let pairs = 0;
    for (const c of buckets) pairs += (c * (c - 1)) / 2;
    const expected = (k * (k - 1)) / (2 * D); // ≈ 1098; the count is about Poisson, sd ≈ √expected
    expect(Math.abs(pairs - expected)).toBeLessThan(5 * Math.sqrt(expected));
    expect(Math.abs(plus - k / 2)).toBeLessThan(5 * Math.sqrt(k / 4));
  });
});

describe("embedTextFile", () => {
  const user = (content: string) => ({ role: "user", content });
  const bot = (content: string) => ({ role: "assistant", content });
  const rows = [
    { prompt: "How do I boil an egg?", chosen: "Simmer it for nine minutes.", rejected: "No." },
    { prompt: "How do I boil an egg?", chosen: "Simmer it for nine minutes.", rejected: "Fry it.", label: 0.7 },
    { prompt: "How do I boil an egg?", response: "Put it in boiling water for eight minutes." },
    { chosen: [user("hi"), bot("Hello! How can I help?")], rejected: [user("hi"), bot("What.")], tie: true },
  ];

  it("embeds each distinct (prompt, response) once with the featuriser, and records the featuriser", async () => {
    const path = join(dir, "text.jsonl");
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const p = right(await embedTextFile(path, hashedEmbedder(32))());
    expect(p.embedding).toEqual({ model: HASHED_FEATURISER, dim: 32, input: "response" });
    expect(p.prompts.length).toBe(2);
    expect(p.candidates.length).toBe(6);
    expect(p.chosen.length).toBe(3);
    expect(Array.from(p.labels!)).toEqual([1, 0.7, 1]);
    expect(Array.from(p.ties!)).toEqual([0, 0, 1]);
    const c = p.candidateTexts!.indexOf("Fry it.");
    expect(Array.from(p.features.subarray(c * 32, (c + 1) * 32))).toEqual(Array.from(hashedFeatures("Fry it.", 32)));
    const convo = p.candidateTexts!.findIndex((t) => Array.isArray(t) && t[0].content === "What.");
    expect(Array.from(p.features.subarray(convo * 32, (convo + 1) * 32))).toEqual(
      Array.from(hashedFeatures("assistant: What.", 32)),
    );
    // written natively with short ids and read back: same features, texts, outcomes and featuriser
    const out = join(dir, "native.jsonl");
    await writeUserProblem(out, p, { renumber: true });
    const back = right(await readUserProblem(out)());
    expect(back.candidates[0]).toBe("p1/c1");
    expect(Array.from(back.features)).toEqual(Array.from(p.features));
    expect(back.candidateTexts).toEqual(p.candidateTexts);
    expect(back.promptTexts).toEqual(p.promptTexts);
    expect(Array.from(back.labels!)).toEqual(Array.from(p.labels!));
    expect(Array.from(back.ties!)).toEqual(Array.from(p.ties!));
    expect(back.embedding).toEqual(p.embedding);
    for (let i = 0; i < p.candidates.length; i++)
      expect(back.referenceLogProb[i]).toBeCloseTo(p.referenceLogProb[i], 12);
  });

  it("calls a model embedder once per distinct text, and checks its dimension", async () => {
    const path = join(dir, "text2.jsonl");
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const seen: string[] = [];
    const model: Embedder = {
      model: "test/length-model",
      dim: 2,
      embed: (texts) => {
        seen.push(...texts);
        return Promise.resolve(texts.map((t) => Float64Array.of(t.length, 1)));
      },
    };
    const p = right(await embedTextFile(path, model, { input: "prompt+response" })());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(6);
    expect(seen[0]).toBe("How do I boil an egg?\nSimmer it for nine minutes.");
    expect(p.embedding).toEqual({ model: "test/length-model", dim: 2, input: "prompt+response" });
    const wrong: Embedder = { ...model, embed: (t) => Promise.resolve(t.map(() => Float64Array.of(1, 2, 3))) };
    expect(await embedTextFile(path, wrong)()).toMatchObject({
      left: { _tag: "ParseError", line: 1, field: "chosen_embedding" },
    });
  });

  it("refuses native records and files that already have embeddings, naming line and field", async () => {
    const a = join(dir, "native-in.jsonl");
    writeFileSync(a, JSON.stringify(rows[0]) + "\n" + '{"type":"candidate","id":"x"}\n');
    expect(await embedTextFile(a, hashedEmbedder(8))()).toMatchObject({ left: { line: 2, field: "type" } });
    const b = join(dir, "has-embeddings.jsonl");
    writeFileSync(b, JSON.stringify({ ...rows[0], chosen_embedding: [1] }) + "\n");
    expect(await embedTextFile(b, hashedEmbedder(8))()).toMatchObject({ left: { line: 1, field: "chosen_embedding" } });
    const c = join(dir, "bad-text.jsonl");
    writeFileSync(c, JSON.stringify({ prompt: "q", chosen: 3, rejected: "r" }) + "\n");
    expect(await embedTextFile(c, hashedEmbedder(8))()).toMatchObject({ left: { line: 1, field: "chosen" } });
  });
});
