import type { Vocabulary } from "./bigram-model";
import { PUNCTUATION } from "./tokenize";

/**
 * A response as a sentence: the prompt word, then the tokens up to </s>, marks attached to the word before them,
 * the first letter and the pronoun "i" capitalised, and a full stop (or "…" when the response ends before </s>).
 */
export function decodeSentence(vocab: Vocabulary, prompt: string, y: ArrayLike<number>): string {
  const words = [prompt];
  let ended = false;
  for (let t = 0; t < y.length; t++) {
    if (y[t] === vocab.eos) {
      ended = true;
      break;
    }
    words.push(vocab.tokens[y[t]]);
  }
  let out = "";
  for (const w of words) {
    const word = w === "i" ? "I" : w.startsWith("i'") ? `I${w.slice(1)}` : w;
    if (out === "") out = word;
    else if (PUNCTUATION.includes(w) && w !== "—") out += w;
    else if (w === "—" || out.endsWith("—")) out += w === "—" ? "—" : word;
    else out += ` ${word}`;
  }
  return out.charAt(0).toUpperCase() + out.slice(1) + (ended ? "." : " …");
}
