import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import type { GshError } from "@gsh/core";
import { HASHED_DEFAULT_DIM, HASHED_FEATURISER, hashedFeatures } from "./hashed-featuriser";
import { forEachLine } from "./jsonl-lines";
import type { UserProblem } from "./problem";
import { ProblemBuilder, type ReaderOptions } from "./read";
import { type Message, type Text, flattenText, splitImplicitPrompt, textProblem } from "./trl-text";

/** Turns texts into feature vectors: the built-in hashed featuriser, or a sentence-embedding model. */
export interface Embedder {
  /** The featuriser's or model's id and the vectors' dimension (recorded in the data file and the reward model). */
  readonly model: string;
  readonly dim: number;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float64Array[]>;
}

/** The built-in hashed word-and-bigram featuriser as an Embedder (see `hashedFeatures`). */
export function hashedEmbedder(dim = HASHED_DEFAULT_DIM): Embedder {
  return {
    model: HASHED_FEATURISER,
    dim,
    embed: (texts) => Promise.resolve(texts.map((t) => hashedFeatures(t, dim))),
  };
}

/** What is embedded for a response: the response's text alone, or the prompt's text, a newline, then the response's. */
export type EmbedInput = "response" | "prompt+response";

/**
 * Reads TRL-style text preferences (`{prompt, chosen, rejected}`, standard or conversational, implicit prompt
 * included, plus unlabelled `{prompt, response}` rows) and embeds every distinct (prompt, response) once, giving the
 * problem the pairs layout would give with the embedding columns filled in. The embedder's id and dimension are
 * recorded (`problem.embedding`). Errors name the line and field, as the reader's do.
 */
export function embedTextFile(
  path: string,
  embedder: Embedder,
  options: ReaderOptions & { readonly input?: EmbedInput } = {},
): TE.TaskEither<GshError, UserProblem> {
  return async () => {
    const input = options.input ?? "response";
    const b = new ProblemBuilder(path, options);
    b.setEmbedding({ model: embedder.model, dim: embedder.dim, input });
    const cache = new Map<string, Float64Array>();
    const err = (line: number, field: string, message: string): E.Either<GshError, never> =>
      E.left({ _tag: "ParseError", source: path, line, field, message });
    const read = await forEachLine(path, async (line, lineNo) => {
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        return err(lineNo, "(line)", `not JSON: ${(e as Error).message}`);
      }
      if (typeof r !== "object" || r === null || Array.isArray(r))
        return err(lineNo, "(line)", "expected a JSON object");
      if (r.type !== undefined && r.type !== "problem")
        return err(lineNo, "type", "gsh embed reads text in the {prompt, chosen, rejected} layout, not native records");
      if (r.type === undefined) {
        const filled = await embedRecord(r, embedder, input, cache);
        if (typeof filled === "object") return err(lineNo, filled.field, filled.message);
      }
      return b.add(JSON.stringify(r), lineNo);
    });
    return E.isLeft(read) ? read : b.finish();
  };
}

/** Fills the record's embedding columns in place; a problem with its texts comes back as {field, message}. */
async function embedRecord(
  r: Record<string, unknown>,
  embedder: Embedder,
  input: EmbedInput,
  cache: Map<string, Float64Array>,
): Promise<true | { field: string; message: string }> {
  const sides = "response" in r ? (["response"] as const) : (["chosen", "rejected"] as const);
  for (const side of sides) {
    if (`${side}_embedding` in r)
      return { field: `${side}_embedding`, message: "the file already has embeddings: read it with fit directly" };
    const bad = textProblem(r[side]);
    if (bad) return { field: side, message: bad };
  }
  if (r.prompt === undefined && sides.length === 2 && Array.isArray(r.chosen) && Array.isArray(r.rejected)) {
    const split = splitImplicitPrompt(r.chosen as Message[], r.rejected as Message[]);
    if (split) {
      r.prompt = split.prompt;
      r.chosen = split.chosen;
      r.rejected = split.rejected;
    }
  }
  if (r.prompt === undefined) return true; // the reader names what is missing
  const badPrompt = textProblem(r.prompt);
  if (badPrompt) return { field: "prompt", message: badPrompt };
  const texts = sides.map((side) =>
    input === "response"
      ? flattenText(r[side] as Text)
      : `${flattenText(r.prompt as Text)}\n${flattenText(r[side] as Text)}`,
  );
  const missing = texts.filter((t) => !cache.has(t));
  if (missing.length > 0) {
    const vectors = await embedder.embed(missing);
    missing.forEach((t, i) => cache.set(t, vectors[i]));
  }
  sides.forEach((side, i) => (r[`${side}_embedding`] = Array.from(cache.get(texts[i])!)));
  return true;
}
