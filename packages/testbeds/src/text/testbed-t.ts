import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument, uniformWeights, gibbsValue } from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type MarkovPolicy,
  type SequenceProblem,
  bigramReward,
  factoredGibbsPolicy,
  sequenceGibbs,
  sequenceReward,
} from "@gsh/preference";
import {
  type TextResources,
  type TokenAttributes,
  type Vocabulary,
  TEXT_DIM,
  bigramCounts,
  buildVocabulary,
  decodeSentence,
  encodeSentence,
  kneserNeyBigram,
  loadTextResources,
  sentenceStarts,
  sentences,
  textFeatureTable,
  tokenAttributes,
} from "@gsh/text";
import { BRADLEY_TERRY, type PreferenceModel } from "../preference-models";
import type { SequenceInstance, SequenceTruth } from "../sequence/instance";
import { countedSequenceOracle } from "../sequence/testbed-s";
import { DEFAULT_ETA } from "../defaults";

/**
 * θ* per variant, before scaling to ‖θ*‖ = B (coordinates in `TEXT_FEATURES` order). Fixed here, not fitted:
 * - "positive": more positive words without losing fluency (no repeats, no unknown words);
 * - "concise": plainer, shorter sentences: fewer long words, repeats and unknown words, and a small cost per token.
 */
export const TEXT_OBJECTIVES = {
  positive: [1, 0, 0, -0.3, 0, 0, -0.2],
  concise: [0, -1, 0, -0.5, 0, -0.3, -0.5],
} as const satisfies Record<string, readonly number[]>;
export type TextObjective = keyof typeof TEXT_OBJECTIVES;

export interface TestbedTParams {
  /** Corpus words in the vocabulary (512 by default; 2048 is the large variant); tokens are V + 2. */
  readonly vocab?: number;
  readonly length?: number;
  readonly prompts?: number;
  readonly eta?: number;
  /** ‖θ*‖ (default 6: Moby-Dick's frequent words are mostly neutral, so valence differences are small). */
  readonly normBound?: number;
  readonly objective?: TextObjective;
  readonly preference?: PreferenceModel;
  /** The corpus, lexicon and stop words (default: read from the installed packages). */
  readonly resources?: TextResources;
}

export const TEXT_DEFAULTS = { vocab: 512, length: 12, prompts: 20, eta: DEFAULT_ETA, normBound: 6 } as const;

/** A sequence instance with words: what the report needs to print sentences. */
export interface TextInstance extends SequenceInstance {
  readonly vocabulary: Vocabulary;
  readonly attributes: TokenAttributes;
  /** The prompt (first word) of each context. */
  readonly promptWords: readonly string[];
  /** "Prompt continuation." as text. */
  decode(x: number, y: ArrayLike<number>): string;
  /** Mean AFINN valence (−5..5) over the words of a response (0 if it has none). */
  meanValence(y: ArrayLike<number>): number;
}

interface LanguageModel {
  readonly vocabulary: Vocabulary;
  readonly attributes: TokenAttributes;
  readonly pi0: Float64Array;
  readonly starts: number[];
  readonly psi: Float64Array;
  readonly factors: { readonly word: Float64Array; readonly same: Float64Array };
}

// The fitted model depends on the resources, V and the prompt count only: built once per process and shared by
// every seed and variant (a trial of T pays for it once per worker).
const models = new WeakMap<TextResources, Map<string, LanguageModel>>();
let installed: TextResources | undefined;

function languageModel(res: TextResources, V: number, X: number): E.Either<GshError, LanguageModel> {
  let byKey = models.get(res);
  if (!byKey) models.set(res, (byKey = new Map<string, LanguageModel>()));
  const key = `${V}/${X}`;
  const hit = byKey.get(key);
  if (hit) return E.right(hit);
  const sents = sentences(res.corpus);
  const vocabulary = buildVocabulary(sents, V);
  if (vocabulary.size - 2 < V)
    return E.left(
      invalidArgument("vocab", `the corpus has ${vocabulary.size - 2} distinct tokens, fewer than V = ${V}`),
    );
  const encoded = sents.map((s) => encodeSentence(vocabulary, s));
  const attributes = tokenAttributes(vocabulary, res.valence, res.stopWords);
  const starts = sentenceStarts(vocabulary, encoded, X, (i) => attributes.punctuation[i] === 0);
  if (starts.length < X)
    return E.left(invalidArgument("prompts", `the corpus has ${starts.length} distinct sentence-initial words < ${X}`));
  const pi0 = kneserNeyBigram(vocabulary, bigramCounts(vocabulary, encoded));
  const { psi, word, same } = textFeatureTable(vocabulary, attributes);
  const model = { vocabulary, attributes, pi0, starts, psi, factors: { word, same } };
  byKey.set(key, model);
  return E.right(model);
}

/**
 * T: the text testbed. Responses are L tokens over the V + 2 tokens (V corpus words and marks, <unk>, </s>); the
 * prompt x is one of the X most frequent sentence-initial words and π0(·|x) continues it with the Kneser-Ney
 * bigram model of the corpus (`bigram-model.ts`); r*(y) = <θ*, (1/L)·Σ_t ψ(y_{t−1}, y_t)> with the interpretable ψ of
 * `features.ts` (y₀ the prompt) and θ* = B·(the variant's direction). π0 is Markov and shared by all prompts, so π*
 * is exact by one backward pass (`referenceLayout: "shared"`). Nothing in the instance is random (θ* is fixed per
 * variant): `_seed` keeps the testbeds' signature, and seeds enter through the data and the labels.
 */
export function testbedT(_seed: number, params: TestbedTParams = {}): E.Either<GshError, TextInstance> {
  const V = params.vocab ?? TEXT_DEFAULTS.vocab;
  const L = params.length ?? TEXT_DEFAULTS.length;
  const X = params.prompts ?? TEXT_DEFAULTS.prompts;
  const eta = params.eta ?? TEXT_DEFAULTS.eta;
  const B = params.normBound ?? TEXT_DEFAULTS.normBound;
  const objective = params.objective ?? "positive";
  const checks: [string, boolean, string][] = [
    ["vocab", Number.isInteger(V) && V >= 4 && V <= 4096, `must be an integer in [4, 4096], got ${V}`],
    ["length", Number.isInteger(L) && L >= 1 && L <= 64, `must be an integer in [1, 64], got ${L}`],
    ["prompts", Number.isInteger(X) && X >= 1 && X <= 100, `must be an integer in [1, 100], got ${X}`],
    ["eta", eta > 0 && Number.isFinite(eta), `must be a finite number > 0, got ${eta}`],
    ["normBound", B > 0 && Number.isFinite(B), `must be a finite number > 0, got ${B}`],
    ["objective", objective in TEXT_OBJECTIVES, `must be one of ${Object.keys(TEXT_OBJECTIVES).join(", ")}`],
  ];
  for (const [field, ok, message] of checks) if (!ok) return E.left(invalidArgument(field, message));
  const res = params.resources ?? installed;
  let resources: TextResources;
  if (res) resources = res;
  else {
    const loaded = loadTextResources();
    if (E.isLeft(loaded)) return loaded;
    resources = installed = loaded.right;
  }
  const lm = languageModel(resources, V, X);
  if (E.isLeft(lm)) return lm;
  const { vocabulary, attributes, pi0, starts, psi, factors } = lm.right;
  const n = vocabulary.size;
  // Shared layout: n token rows, then one start row per prompt (the row of its word).
  const reference = new Float64Array((n + X) * n);
  reference.set(pi0);
  starts.forEach((w, x) => reference.set(pi0.subarray(w * n, (w + 1) * n), (n + x) * n));
  const problem: SequenceProblem = {
    prompts: X,
    vocab: n,
    length: L,
    dim: TEXT_DIM,
    reference,
    referenceLayout: "shared",
    psi,
    featureFactors: factors,
    contextWeights: uniformWeights(X),
    eta,
    normBound: B,
  };
  const direction = TEXT_OBJECTIVES[objective];
  const norm = Math.hypot(...direction);
  const theta = Float64Array.from(direction, (v) => (B * v) / norm);
  const bigram = bigramReward(problem, theta);
  const optimalGibbs = factoredGibbsPolicy(problem, bigram, eta);
  let optimal: MarkovPolicy | undefined;
  const truth: SequenceTruth = {
    theta,
    bigram,
    // X·L·(n+1)·n numbers (0.5 GB at V = 512): only on request, for small variants and tests.
    get optimal() {
      return (optimal ??= sequenceGibbs(problem, bigram, eta).policy);
    },
    optimalGibbs: optimalGibbs satisfies FactoredGibbsPolicy,
    logZ: optimalGibbs.logZ,
    optimalObjective: gibbsValue(optimalGibbs.logZ, eta, problem.contextWeights),
  };
  const reward = (y: ArrayLike<number>) => sequenceReward(bigram, n, y);
  const model = params.preference ?? BRADLEY_TERRY;
  const promptWords = starts.map((w) => vocabulary.tokens[w]);
  return E.right({
    id: "T",
    version: 1,
    problem,
    truth,
    makeOracle: (rng) => countedSequenceOracle(problem, reward, model, rng),
    vocabulary,
    attributes,
    promptWords,
    decode: (x, y) => decodeSentence(vocabulary, promptWords[x], y),
    describe(x, y) {
      return { text: this.decode(x, y), valence: this.meanValence(y) };
    },
    meanValence(y) {
      let sum = 0,
        words = 0;
      for (let t = 0; t < y.length; t++) {
        const v = y[t];
        if (v === vocabulary.eos) break;
        if (v === vocabulary.unk || attributes.punctuation[v]) continue;
        sum += 5 * attributes.valence[v];
        words++;
      }
      return words ? sum / words : 0;
    },
  });
}
