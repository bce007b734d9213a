import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { UserProblem } from "./problem";

export interface WriteOptions {
  /**
   * Give prompts and candidates short ids ("p1", "p1/c2") in place of theirs: for problems read from the pairs
   * layout, whose ids are their texts (the texts are kept in `text` fields).
   */
  readonly renumber?: boolean;
}

/**
 * Writes a user problem in the native JSONL layout (header with the embedding that made the features, prompts and
 * candidates with their texts, candidates' features and log π0, pairs with their label or tie), streaming.
 * `readUserProblem` reads it back to the same problem (f32 features are written exactly).
 */
export async function writeUserProblem(path: string, p: UserProblem, options: WriteOptions = {}): Promise<void> {
  const out = createWriteStream(path, { encoding: "utf8" });
  const put = async (o: unknown) => {
    if (!out.write(JSON.stringify(o) + "\n")) await once(out, "drain");
  };
  const promptId = (x: number) => (options.renumber ? `p${x + 1}` : p.prompts[x]);
  const ids: string[] = options.renumber ? new Array<string>(p.candidates.length) : [...p.candidates];
  if (options.renumber)
    for (let x = 0; x < p.prompts.length; x++)
      for (let c = p.promptStart[x]; c < p.promptStart[x + 1]; c++) ids[c] = `p${x + 1}/c${c - p.promptStart[x] + 1}`;
  await put({
    type: "problem",
    version: 1,
    dim: p.dim,
    dtype: p.dtype,
    ...(p.embedding ? { embedding: p.embedding } : {}),
  });
  const d = p.dim;
  for (let x = 0; x < p.prompts.length; x++) {
    const text = p.promptTexts?.[x];
    await put({ type: "prompt", id: promptId(x), weight: p.promptWeights[x], ...(text != null ? { text } : {}) });
    for (let c = p.promptStart[x]; c < p.promptStart[x + 1]; c++) {
      const ct = p.candidateTexts?.[c];
      await put({
        type: "candidate",
        id: ids[c],
        prompt: promptId(x),
        features: Array.from(p.features.subarray(c * d, (c + 1) * d)),
        logReference: p.referenceLogProb[c],
        ...(ct != null ? { text: ct } : {}),
      });
    }
  }
  for (let i = 0; i < p.chosen.length; i++) {
    const outcome = p.ties?.[i] ? { tie: true } : p.labels && p.labels[i] !== 1 ? { label: p.labels[i] } : {};
    const margin = p.margins && p.margins[i] !== 0 ? { margin: p.margins[i] } : {};
    await put({ type: "pair", chosen: ids[p.chosen[i]], rejected: ids[p.rejected[i]], ...outcome, ...margin });
  }
  out.end();
  await once(out, "finish");
}
