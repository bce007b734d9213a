// resources → sentences → vocabulary and π0 → features; decode turns responses back into text. Testbed T, which
// turns these into a sequence bandit with an exact optimum, is built by @gsh/testbeds (the only package that
// constructs ground truth).
// Named exports: the public API (etc/text.api.md). The corpus file readers, the count tables and the feature
// table's builder are module-internal.
export { type TextResources, loadTextResources } from "./corpus";
export { sentences } from "./tokenize";
export {
  type Vocabulary,
  UNK,
  EOS,
  KNESER_NEY_DISCOUNT,
  buildVocabulary,
  encodeSentence,
  kneserNeyBigram,
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
