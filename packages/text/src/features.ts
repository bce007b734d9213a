import type { Vocabulary } from "./bigram-model";
import { PUNCTUATION } from "./tokenize";

/**
 * The token features ψ(s, v) of the text testbed, for the step from token s (or the prompt, s = start) to v:
 *  0 valence      AFINN-165 score of v / 5, in [−1, 1] (0 for words outside the lexicon);
 *  1 long word    1 if v is a word of 7 or more letters;
 *  2 stop word    1 if v is an English stop word;
 *  3 repeat       1 if v = s, a word repeated (not </s>, not <unk>, not after the prompt);
 *  4 punctuation  1 if v is one of , ; : —;
 *  5 token        1 for every token but </s> (so −θ₅ rewards ending early: conciseness);
 *  6 unknown      1 if v = <unk>.
 * </s> has zero features, so the padding after a sentence ends adds nothing. The table is divided by
 * c = max_{s,v} ‖raw ψ(s,v)‖ so that ‖ψ‖ ≤ 1, with equality somewhere; the reward is r(y) = <θ, (1/L)·Σ_t ψ(y_{t−1}, y_t)>.
 */
export const TEXT_FEATURES = [
  "valence",
  "long word",
  "stop word",
  "repeat",
  "punctuation",
  "token",
  "unknown",
] as const;
export const TEXT_DIM = TEXT_FEATURES.length;

export interface TokenAttributes {
  /** AFINN-165 score / 5 per token id. */
  readonly valence: Float64Array;
  readonly long: Uint8Array;
  readonly stop: Uint8Array;
  readonly punctuation: Uint8Array;
  /** Tokens of the vocabulary that carry a non-zero valence. */
  readonly valenced: number;
}

export function tokenAttributes(
  vocab: Vocabulary,
  valence: ReadonlyMap<string, number>,
  stopWords: ReadonlySet<string>,
): TokenAttributes {
  const n = vocab.size;
  const val = new Float64Array(n),
    long = new Uint8Array(n),
    stop = new Uint8Array(n),
    punctuation = new Uint8Array(n);
  let valenced = 0;
  for (let i = 0; i < n; i++) {
    if (i === vocab.unk || i === vocab.eos) continue;
    const w = vocab.tokens[i];
    if (PUNCTUATION.includes(w)) {
      punctuation[i] = 1;
      continue;
    }
    const a = valence.get(w) ?? 0;
    val[i] = a / 5;
    if (a !== 0) valenced++;
    long[i] = w.replace(/'/g, "").length >= 7 ? 1 : 0;
    stop[i] = stopWords.has(w) ? 1 : 0;
  }
  return { valence: val, long, stop, punctuation, valenced };
}

/** The unscaled ψ(s, v) into out (s = vocab.size is the prompt, i.e. the start state). */
export function rawTextFeatures(
  vocab: Vocabulary,
  attrs: TokenAttributes,
  s: number,
  v: number,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  if (v === vocab.eos) return out;
  out[0] = attrs.valence[v];
  out[1] = attrs.long[v];
  out[2] = attrs.stop[v];
  out[3] = s === v && v !== vocab.unk ? 1 : 0;
  out[4] = attrs.punctuation[v];
  out[5] = 1;
  out[6] = v === vocab.unk ? 1 : 0;
  return out;
}

/**
 * ψ as the sequence problem's dense (n+1)·n·d table, scaled to ‖ψ‖ ≤ 1, the scale c it was divided by, and its
 * factorisation ψ(s,v) = word(v) + [s = v]·same(v) (same(v) = the repeat coordinate, for tokens that can repeat).
 */
export function textFeatureTable(
  vocab: Vocabulary,
  attrs: TokenAttributes,
): { psi: Float64Array; scale: number; word: Float64Array; same: Float64Array } {
  const n = vocab.size;
  const d = TEXT_DIM;
  const psi = new Float64Array((n + 1) * n * d);
  let scale = 0;
  for (let s = 0; s <= n; s++)
    for (let v = 0; v < n; v++) {
      const row = rawTextFeatures(vocab, attrs, s, v, psi.subarray((s * n + v) * d, (s * n + v + 1) * d));
      let q = 0;
      for (let k = 0; k < d; k++) q += row[k] * row[k];
      if (q > scale) scale = q;
    }
  scale = Math.sqrt(scale);
  for (let i = 0; i < psi.length; i++) psi[i] /= scale;
  const word = new Float64Array(n * d),
    same = new Float64Array(n * d);
  for (let v = 0; v < n; v++) {
    // ψ(start, v) has no repeat term: it is word(v).
    word.set(psi.subarray((n * n + v) * d, (n * n + v + 1) * d), v * d);
    for (let k = 0; k < d; k++) same[v * d + k] = psi[(v * n + v) * d + k] - word[v * d + k];
  }
  return { psi, scale, word, same };
}
