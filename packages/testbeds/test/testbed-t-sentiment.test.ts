import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import {
  enumerateResponses,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  markovSequencePolicy,
  referenceLogProb,
  sequenceReward,
} from "@gsh/preference";
import { type TextResources, decodeTextAsset, encodeTextAsset, textModelAsset } from "@gsh/text";
import { loadTextResources } from "@gsh/text/node";
import { evaluateGibbsPolicy, textTestbedFromBytes } from "../src";
import { type TextInstance, testbedT } from "../src/node";

// Chapter 1 of Moby-Dick with a hand-made lexicon: the tiny variant's four words are ",", "the", "of" and "and", so
// "and" (+2) is its one positive word and "of" (−1) its negative one.
const corpus = readFileSync(join(__dirname, "fixtures", "moby-dick-chapter-1.txt"), "utf8");
const resources: TextResources = {
  corpus,
  valence: new Map([
    ["and", 2],
    ["of", -1],
    ["good", 3],
    ["grim", -2],
  ]),
  stopWords: new Set(["the", "of", "and", "a", "to", "i", "it", "is"]),
};
const ok = (r: E.Either<unknown, TextInstance>) => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const AFINN: Record<string, number> = { and: 2, of: -1 };

describe("the sentiment variant's π0: the Kneser-Ney model conditioned on known next tokens", () => {
  const withUnk = ok(testbedT(0, { vocab: 40, prompts: 5, length: 4, objective: "positive", resources }));
  const known = ok(testbedT(0, { vocab: 40, prompts: 5, length: 4, resources }));

  it("has no <unk>, and π0(v|s) = π0_KN(v|s)/(1 − π0_KN(<unk>|s)) for the version-1 model's rows (1e-15)", () => {
    const a = withUnk.vocabulary,
      b = known.vocabulary;
    expect(known.objective).toBe("sentiment");
    expect(known.version).toBe(2);
    expect(b.tokens).not.toContain("<unk>");
    expect(b.size).toBe(a.size - 1);
    const n = a.size,
      m = b.size;
    for (const s of b.tokens) {
      const i = a.index.get(s)!,
        j = b.index.get(s)!;
      const known1 = 1 - withUnk.problem.reference[i * n + a.unk];
      let sum = 0;
      for (const v of b.tokens) {
        const p = known.problem.reference[j * m + b.index.get(v)!];
        sum += p;
        expect(Math.abs(p - withUnk.problem.reference[i * n + a.index.get(v)!] / known1)).toBeLessThan(1e-15);
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
    }
    expect(known.promptWords).toEqual(withUnk.promptWords);
  });
});

describe("the exact optimum of the sentiment variant on a tiny vocabulary (4 words + </s> = 5 tokens, L = 4, 2 prompts)", () => {
  const T = ok(testbedT(0, { vocab: 4, prompts: 2, length: 4, resources }));
  const { problem, truth, vocabulary: vocab } = T;
  const n = vocab.size;
  const eta = problem.eta;
  const ys = enumerateResponses(n, 4);
  // Words up to </s>, by their strings.
  const words = (y: Int32Array) => {
    const out: string[] = [];
    for (const v of y) {
      if (v === vocab.eos) break;
      out.push(vocab.tokens[v]);
    }
    return out;
  };

  it("r*(y) = 0.1 × the sentence's AFINN total, for every response π0 can give (the stated rule, 1e-12)", () => {
    expect(vocab.tokens).toEqual([",", "the", "of", "and", "</s>"]);
    // (a sequence with a word after </s>, impossible under π0, is no sentence)
    for (const y of ys.filter((y) => referenceLogProb(problem, 0, y) > -Infinity)) {
      const total = words(y).reduce((a, w) => a + (AFINN[w] ?? 0), 0);
      expect(Math.abs(sequenceReward(truth.bigram, n, y) - 0.1 * total)).toBeLessThan(1e-12);
    }
  });

  it("log Z, J(π*), KL(π*‖π0) and SubOpt(π0) from the DP match enumeration of all 5⁴ responses (1e-12)", () => {
    let J = 0,
      klStar = 0,
      klPi0 = 0;
    for (let x = 0; x < 2; x++) {
      const logp0 = ys.map((y) => referenceLogProb(problem, x, y));
      const logits = ys.map((y, i) => logp0[i] + sequenceReward(truth.bigram, n, y) / eta);
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((a, l) => a + Math.exp(l - m), 0));
      expect(Math.abs(truth.logZ[x] - lse)).toBeLessThan(1e-12);
      J += problem.contextWeights[x] * eta * lse;
      ys.forEach((_, i) => {
        if (logp0[i] === -Infinity) return;
        const logStar = logits[i] - lse;
        klStar += problem.contextWeights[x] * Math.exp(logStar) * (logStar - logp0[i]);
        klPi0 += problem.contextWeights[x] * Math.exp(logp0[i]) * (logp0[i] - logStar);
      });
    }
    expect(Math.abs(truth.optimalObjective - J)).toBeLessThan(1e-12);
    const star = evaluateGibbsPolicy(problem, truth, truth.optimalGibbs);
    expect(Math.abs(star.klToReference - klStar)).toBeLessThan(1e-12);
    expect(Math.abs(star.objective - J)).toBeLessThan(1e-12);
    const pi0 = evaluateGibbsPolicy(problem, truth, factoredGibbsPolicy(problem, new Float64Array((n + 1) * n), eta));
    expect(klPi0).toBeGreaterThan(1e-3);
    expect(Math.abs(pi0.subopt - eta * klPi0)).toBeLessThan(1e-12);
  });

  it("expected positive words, AFINN total and length under π0 and π* match enumeration, Gibbs and Markov forms (1e-12)", () => {
    const pi0 = factoredGibbsPolicy(problem, new Float64Array((n + 1) * n), eta);
    for (const [label, gibbs, logProb] of [
      ["π0", pi0, (x: number, y: Int32Array) => referenceLogProb(problem, x, y)],
      [
        "π*",
        truth.optimalGibbs,
        (x: number, y: Int32Array) =>
          referenceLogProb(problem, x, y) + sequenceReward(truth.bigram, n, y) / eta - truth.logZ[x],
      ],
    ] as const) {
      let positive = 0,
        valence = 0,
        tokens = 0;
      for (let x = 0; x < 2; x++)
        for (const y of ys) {
          const p = problem.contextWeights[x] * Math.exp(logProb(x, y));
          const w = words(y);
          positive += p * w.filter((t) => (AFINN[t] ?? 0) > 0).length;
          valence += p * w.reduce((a, t) => a + (AFINN[t] ?? 0), 0);
          tokens += p * w.length;
        }
      expect(positive).toBeGreaterThan(0.01); // "and" is drawn: the comparison below is not of two zeros
      for (const stats of [
        T.sentenceStatistics(gibbsSequencePolicy(gibbs)),
        ...(label === "π*" ? [T.sentenceStatistics(markovSequencePolicy(truth.optimal))] : []),
      ]) {
        expect(Math.abs(stats.positiveWords - positive)).toBeLessThan(1e-12);
        expect(Math.abs(stats.valence - valence)).toBeLessThan(1e-12);
        expect(Math.abs(stats.tokens - tokens)).toBeLessThan(1e-12);
        expect(stats.unknownShare).toBe(0);
      }
    }
  });

  it("the version-1 variant's <unk> share matches enumeration (1e-12)", () => {
    const V1 = ok(testbedT(0, { vocab: 4, prompts: 2, length: 4, objective: "positive", resources }));
    const m = V1.vocabulary.size;
    const ysm = enumerateResponses(m, 4);
    let unk = 0,
      tokens = 0;
    for (let x = 0; x < 2; x++)
      for (const y of ysm) {
        const p = V1.problem.contextWeights[x] * Math.exp(referenceLogProb(V1.problem, x, y));
        for (const v of y) {
          if (v === V1.vocabulary.eos) break;
          tokens += p;
          if (v === V1.vocabulary.unk) unk += p;
        }
      }
    const pi0 = factoredGibbsPolicy(V1.problem, new Float64Array((m + 1) * m), V1.problem.eta);
    const s = V1.sentenceStatistics(gibbsSequencePolicy(pi0));
    expect(unk / tokens).toBeGreaterThan(0.05);
    expect(Math.abs(s.unknownShare - unk / tokens)).toBeLessThan(1e-12);
  });
});

describe("the text model asset (what a web page loads instead of the corpus)", () => {
  it("round-trips through its bytes, and T built from the bytes has the same log Z as T built from the corpus (1e-12)", () => {
    const asset = textModelAsset(resources, 40);
    if (E.isLeft(asset)) throw new Error("asset");
    const bytes = encodeTextAsset(asset.right);
    const back = decodeTextAsset(bytes);
    expect(back).toEqual(asset);
    for (const objective of ["sentiment", "positive"] as const) {
      const fromCorpus = ok(testbedT(0, { vocab: 40, prompts: 5, length: 6, objective, resources }));
      const fromBytes = ok(textTestbedFromBytes(bytes, { prompts: 5, length: 6, objective }));
      for (let x = 0; x < 5; x++)
        expect(Math.abs(fromBytes.truth.logZ[x] - fromCorpus.truth.logZ[x])).toBeLessThan(1e-12);
      expect(fromBytes.promptWords).toEqual(fromCorpus.promptWords);
    }
  });

  it("malformed bytes are a ParseError naming the section", () => {
    const asset = textModelAsset(resources, 40);
    if (E.isLeft(asset)) throw new Error("asset");
    const bytes = encodeTextAsset(asset.right);
    expect(decodeTextAsset(new TextEncoder().encode("hello world"))).toBeLeft("ParseError", { field: "magic" });
    expect(decodeTextAsset(bytes.subarray(0, bytes.length - 3))).toBeLeft("ParseError", { field: "counts" });
    const extra = new Uint8Array(bytes.length + 1);
    extra.set(bytes);
    expect(decodeTextAsset(extra)).toBeLeft("ParseError", { field: "end" });
    const wrongFormat = bytes.slice();
    wrongFormat[4] = 9;
    expect(decodeTextAsset(wrongFormat)).toBeLeft("ParseError", { field: "format" });
    expect(textTestbedFromBytes(bytes, { vocab: 512 })).toBeLeft("InvalidArgument", { field: "vocab" });
    expect(textTestbedFromBytes(bytes, { objective: "sentiment", normBound: 3 })).toBeLeft("InvalidArgument", {
      field: "normBound",
    });
  });
});

describe("the committed browser asset (V = 512, @gsh/text/assets/moby-dick-v512.gshtext)", () => {
  const file = join(__dirname, "..", "..", "text", "assets", "moby-dick-v512.gshtext");
  const bytes = new Uint8Array(readFileSync(file));
  const T = ok(textTestbedFromBytes(bytes));

  it("gives the sentiment default whose two properties hold by the exact DP: positive words ≥ 3× π0's, no <unk>", () => {
    const { problem, truth } = T;
    const n = problem.vocab;
    expect(n).toBe(513);
    const s0 = T.sentenceStatistics(gibbsSequencePolicy(factoredGibbsPolicy(problem, new Float64Array((n + 1) * n))));
    const s1 = T.sentenceStatistics(gibbsSequencePolicy(truth.optimalGibbs));
    expect(s1.positiveWords).toBeGreaterThanOrEqual(3 * s0.positiveWords);
    expect(s0.unknownShare).toBeLessThan(0.02);
    expect(s1.unknownShare).toBeLessThan(0.02);
  });

  it("builds from the root entry with no file-system module loaded (what a web page does)", () => {
    jest.isolateModules(() => {
      for (const m of ["fs", "node:fs", "path", "node:path"])
        jest.doMock(m, () => {
          throw new Error(`${m} was loaded`);
        });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const root = require("../src") as typeof import("../src");
      const fresh = root.textTestbedFromBytes(bytes);
      expect(E.isRight(fresh) && fresh.right.truth.logZ).toEqual(T.truth.logZ);
    });
  });

  const corpusInstalled = E.isRight(loadTextResources());
  // The corpus packages are optional dependencies: without them there is nothing to compare the asset with.
  (corpusInstalled ? it : it.skip)(
    "is what the corpus packages give (the asset script's output, byte for byte)",
    () => {
      const res = loadTextResources();
      if (E.isLeft(res)) throw new Error("corpus");
      const asset = textModelAsset(res.right, 512);
      if (E.isLeft(asset)) throw new Error("asset");
      expect(Buffer.from(encodeTextAsset(asset.right)).equals(Buffer.from(bytes))).toBe(true);
      const fromCorpus = ok(testbedT(0, {}));
      for (let x = 0; x < 20; x++) expect(Math.abs(T.truth.logZ[x] - fromCorpus.truth.logZ[x])).toBeLessThan(1e-12);
    },
  );
});
