import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { UserProblem } from "./problem";

/**
 * Writes a user problem in the native JSONL layout (header, prompts, candidates with features and reference,
 * pairs), streaming. `readUserProblem` reads it back to the same problem (f32 features are written exactly).
 */
export async function writeUserProblem(path: string, p: UserProblem): Promise<void> {
  const out = createWriteStream(path, { encoding: "utf8" });
  const put = async (o: unknown) => {
    if (!out.write(JSON.stringify(o) + "\n")) await once(out, "drain");
  };
  await put({ type: "problem", version: 1, dim: p.dim, dtype: p.dtype });
  const d = p.dim;
  for (let x = 0; x < p.prompts.length; x++) {
    await put({ type: "prompt", id: p.prompts[x], weight: p.promptWeights[x] });
    for (let c = p.promptStart[x]; c < p.promptStart[x + 1]; c++)
      await put({
        type: "candidate",
        id: p.candidates[c],
        prompt: p.prompts[x],
        features: Array.from(p.features.subarray(c * d, (c + 1) * d)),
        logReference: p.referenceLogProb[c],
      });
  }
  for (let i = 0; i < p.chosen.length; i++)
    await put({ type: "pair", chosen: p.candidates[p.chosen[i]], rejected: p.candidates[p.rejected[i]] });
  out.end();
  await once(out, "finish");
}
