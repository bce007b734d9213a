import { buildVocabulary, encodeSentence, sentences } from "../src";

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
