// resources → sentences → vocabulary and π0 → features → the testbed; decode turns responses back into text.
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
} from "./bigram-model";
export { TEXT_FEATURES, TEXT_DIM, type TokenAttributes, tokenAttributes, rawTextFeatures } from "./features";
export { decodeSentence } from "./decode";
export {
  TEXT_OBJECTIVES,
  type TextObjective,
  type TestbedTParams,
  TEXT_DEFAULTS,
  type TextInstance,
  testbedT,
} from "./testbed-t";
