// Node-only: the corpus, lexicon and stop words are read from installed packages (node:fs), so the reader lives
// behind this entry and the root stays platform-free.
export { type TextResources, CORPUS_PACKAGES, loadTextResources } from "./corpus";
