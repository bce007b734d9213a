import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import {
  type Vocabulary,
  UNK,
  EOS,
  bigramCounts,
  buildVocabulary,
  encodeSentence,
  sentenceStarts,
} from "./bigram-model";
import type { TextResources } from "./corpus";
import { PUNCTUATION, sentences } from "./tokenize";

/**
 * Everything testbed T needs from the corpus, the lexicon and the stop words, at one vocabulary size: the V tokens,
 * each token's AFINN-165 score and stop-word flag, the most frequent sentence-initial words, and the bigram counts
 * over the V + 2 tokens (`<unk>`, `</s>` last). π0 and ψ are functions of these, so an instance rebuilt from the
 * asset is the instance built from the corpus, to the bit; the asset is what a web page loads instead of the
 * corpus packages.
 */
export interface TextModelAsset {
  /** The V corpus tokens, most frequent first (`<unk>` and `</s>` are implied). */
  readonly tokens: readonly string[];
  /** AFINN-165 score (−5..5, 0 outside the lexicon) per token. */
  readonly afinn: Int8Array;
  /** 1 where the token is an English stop word. */
  readonly stop: Uint8Array;
  /** Sentence-initial words (token ids), most frequent first: prompts are a prefix of this list. */
  readonly starts: Int32Array;
  /** c(s, v), (V+2)×(V+2) row-major. */
  readonly counts: Float64Array;
}

/** Sentence-initial words an asset keeps: T's largest prompt count. */
export const ASSET_STARTS = 100;

/** The asset of the resources at V tokens (`<unk>`, `</s>` added), keeping up to `starts` sentence-initial words. */
export function textModelAsset(
  res: TextResources,
  V: number,
  starts = ASSET_STARTS,
): E.Either<GshError, TextModelAsset> {
  const sents = sentences(res.corpus);
  const vocab = buildVocabulary(sents, V);
  if (vocab.size - 2 < V)
    return E.left({
      _tag: "InvalidArgument",
      field: "vocab",
      message: `the corpus has ${vocab.size - 2} distinct tokens, fewer than V = ${V}`,
    });
  const encoded = sents.map((s) => encodeSentence(vocab, s));
  const words = vocab.tokens.slice(0, V);
  return E.right({
    tokens: words,
    afinn: Int8Array.from(words, (w) => (PUNCTUATION.includes(w) ? 0 : (res.valence.get(w) ?? 0))),
    stop: Uint8Array.from(words, (w) => (res.stopWords.has(w) ? 1 : 0)),
    starts: Int32Array.from(sentenceStarts(vocab, encoded, starts, (i) => !PUNCTUATION.includes(vocab.tokens[i]))),
    counts: bigramCounts(vocab, encoded),
  });
}

/** The asset's vocabulary (V tokens, `<unk>`, `</s>`) and the lexicon and stop words restricted to it. */
export function assetVocabulary(asset: TextModelAsset): {
  vocabulary: Vocabulary;
  valence: ReadonlyMap<string, number>;
  stopWords: ReadonlySet<string>;
} {
  const tokens = [...asset.tokens, UNK, EOS];
  const vocabulary: Vocabulary = {
    tokens,
    unk: tokens.length - 2,
    eos: tokens.length - 1,
    size: tokens.length,
    index: new Map(tokens.map((t, i) => [t, i])),
  };
  const valence = new Map<string, number>();
  const stopWords = new Set<string>();
  asset.tokens.forEach((w, i) => {
    if (asset.afinn[i] !== 0) valence.set(w, asset.afinn[i]);
    if (asset.stop[i]) stopWords.add(w);
  });
  return { vocabulary, valence, stopWords };
}

// Binary layout, little-endian: "GSHT", format u8, V u16, starts u16, the tokens' UTF-8 length u32 and bytes
// (joined by "\n"), afinn i8[V], stop u8[V], starts u16[·]; then per history s = 0..V+1 its successor count u16, the
// successors u16[k] ascending and their counts as LEB128 varints. About 3 bytes per distinct bigram.
const MAGIC = "GSHT";
export const TEXT_ASSET_FORMAT = 1;

/** The asset as bytes (`decodeTextAsset` reads them back exactly). */
export function encodeTextAsset(asset: TextModelAsset): Uint8Array {
  const V = asset.tokens.length;
  const n = V + 2;
  const text = new TextEncoder().encode(asset.tokens.join("\n"));
  const out: number[] = [];
  const u16 = (x: number) => out.push(x & 0xff, x >>> 8);
  const u32 = (x: number) => out.push(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24);
  for (const ch of MAGIC) out.push(ch.charCodeAt(0));
  out.push(TEXT_ASSET_FORMAT);
  u16(V);
  u16(asset.starts.length);
  u32(text.length);
  for (const b of text) out.push(b);
  for (const a of asset.afinn) out.push(a & 0xff);
  for (const s of asset.stop) out.push(s);
  for (const s of asset.starts) u16(s);
  for (let s = 0; s < n; s++) {
    const succ: number[] = [];
    for (let v = 0; v < n; v++) if (asset.counts[s * n + v] > 0) succ.push(v);
    u16(succ.length);
    for (const v of succ) u16(v);
    for (const v of succ) {
      let c = asset.counts[s * n + v];
      while (c >= 0x80) {
        out.push((c % 0x80) | 0x80);
        c = Math.floor(c / 0x80);
      }
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

/** Reads `encodeTextAsset`'s bytes: Left(ParseError) naming the section that is malformed. */
export function decodeTextAsset(bytes: Uint8Array, source = "text asset"): E.Either<GshError, TextModelAsset> {
  let at = 0;
  const fail = (field: string, message: string): E.Either<GshError, never> =>
    E.left({ _tag: "ParseError", source, line: 0, field, message: `${message} (byte ${at} of ${bytes.length})` });
  const need = (k: number) => at + k <= bytes.length;
  const u16 = () => bytes[at++] | (bytes[at++] << 8);
  if (!need(9) || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC)
    return fail("magic", `not a gsh text asset (it starts with "${MAGIC}")`);
  at = 4;
  const format = bytes[at++];
  if (format !== TEXT_ASSET_FORMAT) return fail("format", `format ${format}, this reader knows ${TEXT_ASSET_FORMAT}`);
  const V = u16();
  const X = u16();
  if (!need(4)) return fail("tokens", "truncated");
  const textBytes = (bytes[at++] | (bytes[at++] << 8) | (bytes[at++] << 16)) + bytes[at++] * 2 ** 24;
  if (!need(textBytes + 2 * V + 2 * X)) return fail("tokens", "truncated");
  let tokens: string[];
  try {
    tokens = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(at, at + textBytes)).split("\n");
  } catch {
    return fail("tokens", "not UTF-8");
  }
  if (tokens.length !== V) return fail("tokens", `${tokens.length} tokens, the header says ${V}`);
  at += textBytes;
  const afinn = Int8Array.from(bytes.subarray(at, at + V), (b) => (b << 24) >> 24);
  at += V;
  const stop = bytes.slice(at, at + V);
  at += V;
  const n = V + 2;
  const starts = new Int32Array(X);
  for (let i = 0; i < X; i++) {
    starts[i] = u16();
    if (starts[i] >= V) return fail("starts", `start ${i} is token ${starts[i]}, outside the ${V} words`);
  }
  const counts = new Float64Array(n * n);
  for (let s = 0; s < n; s++) {
    if (!need(2)) return fail("counts", `truncated at history ${s}`);
    const k = u16();
    if (!need(2 * k)) return fail("counts", `truncated at history ${s}`);
    const succ = Array.from({ length: k }, u16);
    for (const v of succ) {
      if (v >= n) return fail("counts", `history ${s} has successor ${v}, outside the ${n} tokens`);
      let c = 0,
        scale = 1,
        b: number;
      do {
        if (!need(1)) return fail("counts", `truncated at history ${s}`);
        b = bytes[at++];
        c += (b & 0x7f) * scale;
        scale *= 0x80;
      } while (b & 0x80);
      if (c === 0) return fail("counts", `history ${s} lists successor ${v} with count 0`);
      counts[s * n + v] = c;
    }
  }
  if (at !== bytes.length) return fail("end", `${bytes.length - at} bytes after the counts`);
  return E.right({ tokens, afinn, stop, starts, counts });
}
