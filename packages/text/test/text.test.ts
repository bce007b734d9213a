import * as E from "fp-ts/lib/Either";
import {
  TEXT_ASSET_FORMAT,
  buildVocabulary,
  decodeTextAsset,
  encodeSentence,
  encodeTextAsset,
  knownTokenModel,
  sentences,
} from "../src";

describe("tokenizer", () => {
  it("splits at . ! ? and blank lines, keeps , ; : — as tokens, drops headings and edge marks", () => {
    expect(
      sentences("CHAPTER 1. Loomings.\n\nCall me Ishmael. Some years ago—never mind; whale’s jaw!\n\nWhy?"),
    ).toEqual([
      ["call", "me", "ishmael"],
      ["some", "years", "ago", "—", "never", "mind", ";", "whale's", "jaw"],
      ["why"],
    ]);
    expect(sentences(", and so, .")).toEqual([["and", "so"]]);
  });
});

describe("vocabulary", () => {
  it("encodes out-of-vocabulary words as <unk>", () => {
    const vocab = buildVocabulary([["a", "b", "a"]], 1);
    expect([...encodeSentence(vocab, ["a", "zebra"])]).toEqual([0, vocab.unk]);
  });
});

describe("the known-token model", () => {
  it("drops <unk> and renormalises each row over the known tokens (hand-computed)", () => {
    const vocab = buildVocabulary([["a", "b"]], 2); // a, b, <unk>, </s>
    // rows a, b, <unk>, </s>; columns a, b, <unk>, </s>
    const pi0 = Float64Array.from([0.1, 0.4, 0.5, 0, 0.2, 0.2, 0.2, 0.4, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 1]);
    const { vocabulary, pi0: p } = knownTokenModel(vocab, pi0);
    expect(vocabulary.tokens).toEqual(["a", "b", "</s>"]);
    expect(vocabulary.unk).toBe(-1);
    expect(vocabulary.eos).toBe(2);
    const expected = [0.2, 0.8, 0, 0.25, 0.25, 0.5, 0, 0, 1];
    expected.forEach((e, i) => expect(Math.abs(p[i] - e)).toBeLessThan(1e-15));
  });
});

describe("the text model asset's bytes", () => {
  it("round-trip exactly, counts of any size included (a 3-byte varint), and the header is as documented", () => {
    const n = 5;
    const counts = new Float64Array(n * n);
    counts[0 * n + 1] = 1;
    counts[1 * n + 4] = 200_000; // > 2¹⁴: three varint bytes
    counts[3 * n + 0] = 127;
    counts[3 * n + 2] = 128;
    const asset = {
      tokens: ["wal", "whale's", "—"],
      afinn: Int8Array.from([-5, 3, 0]),
      stop: Uint8Array.from([0, 1, 0]),
      starts: Int32Array.from([1, 0]),
      counts,
    };
    const bytes = encodeTextAsset(asset);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe("GSHT");
    expect(bytes[4]).toBe(TEXT_ASSET_FORMAT);
    expect(decodeTextAsset(bytes)).toEqual(E.right(asset));
  });
});
