/**
 * The reference model π0 of the text testbed: a bigram model with interpolated Kneser-Ney smoothing, fitted on the
 * corpus's sentences over a closed vocabulary.
 *
 * Tokens: the V most frequent corpus tokens (words and the marks , ; : —, ties broken alphabetically), then `<unk>`
 * (every other word) and `</s>` (end of sentence): V + 2 in all. A sentence w₁..w_n contributes the transitions
 * (w_{i−1}, w_i) and (w_n, </s>); `</s>` is absorbing (π0(</s>|</s>) = 1), so a response of length L is a sentence of
 * at most L tokens padded with `</s>`. With c(s,v) the transition counts, c(s) = Σ_v c(s,v), N₁₊(s) the number of
 * distinct successors of s and P_cont(v) = |{s : c(s,v) > 0}| / |{(s,v) : c(s,v) > 0}|,
 *
 *   π0(v|s) = max(c(s,v) − D, 0)/c(s) + (D·N₁₊(s)/c(s))·P_cont(v),   D = 0.75,
 *
 * which sums to 1 over v; a history never followed by anything (impossible for corpus tokens, kept for safety)
 * gets P_cont.
 */
export interface Vocabulary {
  /** Token strings by id: V corpus tokens, then "<unk>" (absent from a known-token vocabulary), then "</s>". */
  readonly tokens: readonly string[];
  /** The id of `<unk>`, or −1 in a known-token vocabulary (`knownTokenModel`), which has none. */
  readonly unk: number;
  readonly eos: number;
  /** V + 2 (V + 1 without `<unk>`). */
  readonly size: number;
  readonly index: ReadonlyMap<string, number>;
}

export const UNK = "<unk>";
export const EOS = "</s>";
export const KNESER_NEY_DISCOUNT = 0.75;

export function buildVocabulary(sentences: readonly (readonly string[])[], V: number): Vocabulary {
  const freq = new Map<string, number>();
  for (const s of sentences) for (const t of s) freq.set(t, (freq.get(t) ?? 0) + 1);
  const ranked = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const tokens = ranked.slice(0, V).map(([w]) => w);
  tokens.push(UNK, EOS);
  const index = new Map(tokens.map((t, i) => [t, i]));
  return { tokens, unk: tokens.length - 2, eos: tokens.length - 1, size: tokens.length, index };
}

export const encodeSentence = (vocab: Vocabulary, sentence: readonly string[]): Int32Array =>
  Int32Array.from(sentence, (w) => vocab.index.get(w) ?? vocab.unk);

/** Transition counts c(s,v) (n×n, n = V + 2) of the encoded sentences, each ending in </s>. */
export function bigramCounts(vocab: Vocabulary, encoded: readonly Int32Array[]): Float64Array {
  const n = vocab.size;
  const c = new Float64Array(n * n);
  for (const s of encoded) {
    for (let i = 1; i < s.length; i++) c[s[i - 1] * n + s[i]]++;
    if (s.length > 0) c[s[s.length - 1] * n + vocab.eos]++;
  }
  return c;
}

/** π0(v|s) by interpolated Kneser-Ney (n×n rows summing to 1), with </s> absorbing. */
export function kneserNeyBigram(vocab: Vocabulary, counts: Float64Array, D = KNESER_NEY_DISCOUNT): Float64Array {
  const n = vocab.size;
  const cont = new Float64Array(n);
  let types = 0;
  for (let s = 0; s < n; s++)
    for (let v = 0; v < n; v++)
      if (counts[s * n + v] > 0) {
        cont[v]++;
        types++;
      }
  for (let v = 0; v < n; v++) cont[v] /= types;
  const p = new Float64Array(n * n);
  for (let s = 0; s < n; s++) {
    const o = s * n;
    if (s === vocab.eos) {
      p[o + s] = 1;
      continue;
    }
    let total = 0,
      successors = 0;
    for (let v = 0; v < n; v++) {
      total += counts[o + v];
      if (counts[o + v] > 0) successors++;
    }
    if (total === 0) {
      p.set(cont, o);
      continue;
    }
    const backoff = (D * successors) / total;
    for (let v = 0; v < n; v++) p[o + v] = Math.max(counts[o + v] - D, 0) / total + backoff * cont[v];
  }
  return p;
}

/** The `count` most frequent sentence-initial tokens that are words in the vocabulary (not <unk>, not a mark). */
export function sentenceStarts(
  vocab: Vocabulary,
  encoded: readonly Int32Array[],
  count: number,
  isWord: (id: number) => boolean,
): number[] {
  const freq = new Float64Array(vocab.size);
  for (const s of encoded) if (s.length > 0 && s[0] !== vocab.unk && isWord(s[0])) freq[s[0]]++;
  return [...freq.keys()]
    .filter((i) => freq[i] > 0)
    .sort((a, b) => freq[b] - freq[a] || a - b)
    .slice(0, count);
}

/**
 * The same model over the known tokens only (V words and marks, then </s>; no `<unk>`): each history's next-token
 * distribution conditioned on the next token being known,
 *
 *   π0′(v|s) = π0(v|s) / (1 − π0(<unk>|s))   for v ≠ <unk>,
 *
 * so a sampled sentence never holds `<unk>`. The `<unk>` row, a history only unknown words led to, is dropped with it.
 */
export function knownTokenModel(vocab: Vocabulary, pi0: Float64Array): { vocabulary: Vocabulary; pi0: Float64Array } {
  const n = vocab.size;
  if (vocab.unk < 0) return { vocabulary: vocab, pi0 };
  const keep = [...vocab.tokens.keys()].filter((i) => i !== vocab.unk);
  const m = keep.length;
  const out = new Float64Array(m * m);
  keep.forEach((s, i) => {
    const known = 1 - pi0[s * n + vocab.unk];
    keep.forEach((v, j) => (out[i * m + j] = pi0[s * n + v] / known));
  });
  const tokens = keep.map((i) => vocab.tokens[i]);
  const vocabulary: Vocabulary = {
    tokens,
    unk: -1,
    eos: m - 1,
    size: m,
    index: new Map(tokens.map((t, i) => [t, i])),
  };
  return { vocabulary, pi0: out };
}
