// resources → sentences → vocabulary and π0 → features; decode turns responses back into text. Testbed T, which
// turns these into a sequence bandit with an exact optimum, is built by @gsh/testbeds (the only package that
// constructs ground truth).
// This root is platform-free (it bundles for the browser); reading the corpus packages from disk is
// "@gsh/text/node". A web page builds T from the model asset's bytes instead (`decodeTextAsset`).
// Named exports: the public API (etc/text.api.md). The feature table's builder is module-internal.
export type { TextResources } from "./corpus";
export { sentences } from "./tokenize";
export {
  type Vocabulary,
  UNK,
  EOS,
  KNESER_NEY_DISCOUNT,
  buildVocabulary,
  encodeSentence,
  kneserNeyBigram,
  knownTokenModel,
  bigramCounts,
  sentenceStarts,
} from "./bigram-model";
export {
  TEXT_FEATURES,
  TEXT_DIM,
  type TokenAttributes,
  tokenAttributes,
  rawTextFeatures,
  textFeatureTable,
} from "./features";
export { decodeSentence } from "./decode";
export {
  type TextModelAsset,
  ASSET_STARTS,
  TEXT_ASSET_FORMAT,
  textModelAsset,
  assetVocabulary,
  encodeTextAsset,
  decodeTextAsset,
} from "./asset";
