import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument, uniformWeights, gibbsValue } from "@gsh/core";
import {
  type FactoredGibbsPolicy,
  type MarkovPolicy,
  type SequenceProblem,
  type TabularSequencePolicy,
  bigramReward,
  factoredGibbsPolicy,
  gibbsMixtureOccupancy,
  markovRows,
  sequenceGibbs,
  sequenceReward,
  stateMarginals,
} from "@gsh/preference";
import {
  type TextModelAsset,
  type TokenAttributes,
  type Vocabulary,
  TEXT_DIM,
  assetVocabulary,
  decodeSentence,
  decodeTextAsset,
  kneserNeyBigram,
  knownTokenModel,
  textFeatureTable,
  tokenAttributes,
} from "@gsh/text";
import { BRADLEY_TERRY, type PreferenceModel } from "../preference-models";
import type { SentenceStatistics, SequenceInstance, SequenceTruth } from "../sequence/instance";
import { countedSequenceOracle } from "../sequence/testbed-s";
import { DEFAULT_ETA } from "../defaults";

/**
 * The variants of T, by what r* rewards (coordinates in `TEXT_FEATURES` order, before scaling):
 * - "sentiment" (the default, version 2): steering toward positive sentiment, TRL's classic task. Tokens are the V
 *   corpus words and marks and `</s>`, no `<unk>` (π0 is the Kneser-Ney model conditioned on known next tokens,
 *   `knownTokenModel`), and r* is valence only, fixed by the rule of `SENTIMENT_REWARD_PER_AFINN_POINT`.
 * - "positive" and "concise" (version 1, kept so that earlier rows reproduce): tokens include `<unk>`, ‖θ*‖ = B;
 *   "positive" wants more positive words without losing fluency (no repeats, no unknown words), "concise" plainer,
 *   shorter sentences (fewer long words, repeats and unknown words, a small cost per token).
 */
export const TEXT_OBJECTIVES = {
  sentiment: [1, 0, 0, 0, 0, 0, 0],
  positive: [1, 0, 0, -0.3, 0, 0, -0.2],
  concise: [0, -1, 0, -0.5, 0, -0.3, -0.5],
} as const satisfies Record<string, readonly number[]>;
export type TextObjective = keyof typeof TEXT_OBJECTIVES;

/**
 * The sentiment variant's rule, fixed before any result was seen: r*(y) = 0.1 × the sentence's AFINN-165 total
 * Σ_t AFINN(y_t), so that at T's η = 0.1 the optimum is π*(y) ∝ π0(y)·e^{Σ_t AFINN(y_t)}: every AFINN point a sentence
 * carries multiplies its odds by e. In T's parametrisation r* = <θ*, (1/L)·Σ_t ψ_t> with ψ's valence coordinate
 * AFINN/(5c) (c the table's scale), so θ* = 5·c·L·0.1 along the valence coordinate and ‖θ*‖ = B follows from it.
 */
export const SENTIMENT_REWARD_PER_AFINN_POINT = 0.1;

export interface TestbedTParams {
  /** Corpus words in the vocabulary (512 by default; 2048 is the large variant); tokens are V + 2 (V + 1 without `<unk>`). */
  readonly vocab?: number;
  readonly length?: number;
  readonly prompts?: number;
  readonly eta?: number;
  /** ‖θ*‖ of the version-1 objectives (default 6); the sentiment variant's follows from its rule. */
  readonly normBound?: number;
  readonly objective?: TextObjective;
  readonly preference?: PreferenceModel;
}

export const TEXT_DEFAULTS = {
  vocab: 512,
  length: 12,
  prompts: 20,
  eta: DEFAULT_ETA,
  normBound: 6,
  objective: "sentiment",
} as const;

/** A sequence instance with words: what the report needs to print sentences. */
export interface TextInstance extends SequenceInstance {
  readonly objective: TextObjective;
  readonly vocabulary: Vocabulary;
  readonly attributes: TokenAttributes;
  /** The prompt (first word) of each context. */
  readonly promptWords: readonly string[];
  /** "Prompt continuation." as text. */
  decode(x: number, y: ArrayLike<number>): string;
  /** Mean AFINN valence (−5..5) over the words of a response (0 if it has none). */
  meanValence(y: ArrayLike<number>): number;
  /** Exact sentence statistics of a Markov or factored Gibbs policy (π0 is `factoredGibbsPolicy(problem, 0)`). */
  sentenceStatistics(policy: TabularSequencePolicy): SentenceStatistics;
}

interface LanguageModel {
  readonly vocabulary: Vocabulary;
  readonly attributes: TokenAttributes;
  readonly pi0: Float64Array;
  readonly psi: Float64Array;
  readonly scale: number;
  readonly factors: { readonly word: Float64Array; readonly same: Float64Array };
}

// π0 and ψ depend on the asset and whether <unk> is kept only: built once per process and shared by every seed,
// prompt count and objective of that kind (a trial of T pays for it once per worker).
const models = new WeakMap<TextModelAsset, Map<string, LanguageModel>>();

function languageModel(asset: TextModelAsset, known: boolean): LanguageModel {
  let byKind = models.get(asset);
  if (!byKind) models.set(asset, (byKind = new Map<string, LanguageModel>()));
  const key = known ? "known" : "with-unk";
  const hit = byKind.get(key);
  if (hit) return hit;
  const { vocabulary: full, valence, stopWords } = assetVocabulary(asset);
  const fitted = kneserNeyBigram(full, asset.counts);
  const { vocabulary, pi0 } = known ? knownTokenModel(full, fitted) : { vocabulary: full, pi0: fitted };
  const attributes = tokenAttributes(vocabulary, valence, stopWords);
  const { psi, scale, word, same } = textFeatureTable(vocabulary, attributes);
  const model = { vocabulary, attributes, pi0, psi, scale, factors: { word, same } };
  byKind.set(key, model);
  return model;
}

/** The parameters' checks, each with the field it names, and their defaults filled in. */
export function checkTestbedTParams(
  params: TestbedTParams,
): E.Either<GshError, Required<Omit<TestbedTParams, "preference">>> {
  const V = params.vocab ?? TEXT_DEFAULTS.vocab;
  const L = params.length ?? TEXT_DEFAULTS.length;
  const X = params.prompts ?? TEXT_DEFAULTS.prompts;
  const eta = params.eta ?? TEXT_DEFAULTS.eta;
  const B = params.normBound ?? TEXT_DEFAULTS.normBound;
  const objective = params.objective ?? TEXT_DEFAULTS.objective;
  const checks: [string, boolean, string][] = [
    ["vocab", Number.isInteger(V) && V >= 4 && V <= 4096, `must be an integer in [4, 4096], got ${V}`],
    ["length", Number.isInteger(L) && L >= 1 && L <= 64, `must be an integer in [1, 64], got ${L}`],
    ["prompts", Number.isInteger(X) && X >= 1 && X <= 100, `must be an integer in [1, 100], got ${X}`],
    ["eta", eta > 0 && Number.isFinite(eta), `must be a finite number > 0, got ${eta}`],
    ["normBound", B > 0 && Number.isFinite(B), `must be a finite number > 0, got ${B}`],
    ["objective", objective in TEXT_OBJECTIVES, `must be one of ${Object.keys(TEXT_OBJECTIVES).join(", ")}`],
    [
      "normBound",
      !(objective === "sentiment" && params.normBound !== undefined),
      "the sentiment objective's ‖θ*‖ follows from its rule (r* = 0.1 × the AFINN total); set it only for positive or concise",
    ],
  ];
  for (const [field, ok, message] of checks) if (!ok) return E.left(invalidArgument(field, message));
  return E.right({ vocab: V, length: L, prompts: X, eta, normBound: B, objective });
}

/**
 * T from a text model asset (`@gsh/text`'s `textModelAsset`, or the bytes of a browser build through
 * `textTestbedFromBytes`). Responses are L tokens; the prompt x is one of the X most frequent sentence-initial words
 * and π0(·|x) continues it with the Kneser-Ney bigram model of the corpus; r*(y) = <θ*, (1/L)·Σ_t ψ(y_{t−1}, y_t)> with
 * the interpretable ψ of `@gsh/text`'s features (y₀ the prompt) and θ* fixed per objective (`TEXT_OBJECTIVES`). π0 is
 * Markov and shared by all prompts, so π* is exact by one backward pass (`referenceLayout: "shared"`). Nothing in the
 * instance is random (θ* is fixed per variant): `_seed` keeps the testbeds' signature, and seeds enter through the
 * data and the labels. The asset fixes V: `params.vocab`, if given, must be the asset's.
 */
export function textTestbed(
  _seed: number,
  asset: TextModelAsset,
  params: TestbedTParams = {},
): E.Either<GshError, TextInstance> {
  const checked = checkTestbedTParams({ vocab: asset.tokens.length, ...params });
  if (E.isLeft(checked)) return checked;
  const { vocab: V, length: L, prompts: X, eta, objective } = checked.right;
  if (V !== asset.tokens.length)
    return E.left(invalidArgument("vocab", `the asset has V = ${asset.tokens.length} words, not ${V}`));
  if (asset.starts.length < X)
    return E.left(
      invalidArgument("prompts", `the corpus has ${asset.starts.length} distinct sentence-initial words < ${X}`),
    );
  const sentiment = objective === "sentiment";
  const { vocabulary, attributes, pi0, psi, scale, factors } = languageModel(asset, sentiment);
  const starts = [...asset.starts.subarray(0, X)];
  const n = vocabulary.size;
  // Shared layout: n token rows, then one start row per prompt (the row of its word).
  const reference = new Float64Array((n + X) * n);
  reference.set(pi0);
  starts.forEach((w, x) => reference.set(pi0.subarray(w * n, (w + 1) * n), (n + x) * n));
  const direction = TEXT_OBJECTIVES[objective];
  const B = sentiment ? 5 * scale * L * SENTIMENT_REWARD_PER_AFINN_POINT : checked.right.normBound;
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
  const statistics = (policy: TabularSequencePolicy): SentenceStatistics => {
    const counts = expectedTokenCounts(problem, policy);
    let tokens = 0,
      valence = 0,
      positiveWords = 0;
    for (let v = 0; v < n; v++) {
      if (v === vocabulary.eos) continue;
      tokens += counts[v];
      valence += 5 * attributes.valence[v] * counts[v];
      if (attributes.valence[v] > 0) positiveWords += counts[v];
    }
    const unknownShare = vocabulary.unk < 0 || tokens === 0 ? 0 : counts[vocabulary.unk] / tokens;
    return { tokens, valence, positiveWords, unknownShare };
  };
  return E.right({
    id: "T",
    version: sentiment ? 2 : 1,
    objective,
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
    sentenceStatistics: statistics,
  });
}

/**
 * T from the bytes of a text model asset (`encodeTextAsset`), with no file system: what a web page calls after
 * fetching the asset. Left(ParseError) for bytes that are not an asset, Left(InvalidArgument) for bad parameters.
 */
export function textTestbedFromBytes(
  bytes: Uint8Array,
  params: TestbedTParams = {},
  seed = 0,
): E.Either<GshError, TextInstance> {
  const asset = decodeTextAsset(bytes);
  return E.isLeft(asset) ? asset : textTestbed(seed, asset.right, params);
}

/**
 * Expected occurrences of each token per sentence, Σ_t P(y_t = v), averaged over the prompts with their weights:
 * one forward pass (the occupancy Σ_s occ(s, v)).
 */
export function expectedTokenCounts(problem: SequenceProblem, policy: TabularSequencePolicy): Float64Array {
  const { vocab: V, length: L, prompts: X, contextWeights: w } = problem;
  const counts = new Float64Array(V);
  if (policy.kind === "gibbs") {
    const occ = gibbsMixtureOccupancy(policy.gibbs, w);
    for (let s = 0; s <= V; s++) for (let v = 0; v < V; v++) counts[v] += occ[s * V + v];
    return counts;
  }
  const rows = markovRows(policy.markov);
  for (let x = 0; x < X; x++) {
    const mu = stateMarginals(rows, x);
    for (let t = 1; t <= L; t++) for (let v = 0; v < V; v++) counts[v] += w[x] * mu[t * (V + 1) + v];
  }
  return counts;
}
