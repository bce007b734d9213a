import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Embedder } from "@gsh/user-data";

/** The optional runtime that runs a local sentence-embedding model (an optional peer dependency of the app). */
export const MODEL_RUNTIME = "@huggingface/transformers";

/** What `gsh embed --model` needs from the runtime (a seam the tests can fill). */
export interface FeatureExtractionRuntime {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(
    task: "feature-extraction",
    model: string,
    options: { local_files_only: boolean; dtype?: string },
  ): Promise<
    (
      texts: string[],
      options: { pooling: "mean"; normalize: boolean },
    ) => Promise<{ dims: number[]; tolist(): number[][] }>
  >;
}

/** The runtime, or an Error whose message is the one-line install hint. */
export function loadRuntime(name = MODEL_RUNTIME): FeatureExtractionRuntime {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as FeatureExtractionRuntime;
  } catch {
    throw new Error(
      `--model needs the optional runtime ${name}: npm install ${name} (or use the built-in featuriser: drop --model)`,
    );
  }
}

/**
 * A sentence-embedding model from a local folder (transformers.js layout: config.json, tokenizer.json,
 * onnx/model.onnx), mean-pooled and normalised, as an Embedder. Remote models are switched off: nothing is
 * downloaded. The recorded id is the config's `_name_or_path` when it has one, else the folder's name.
 */
export async function loadModelEmbedder(
  folder: string,
  runtime: () => FeatureExtractionRuntime = () => loadRuntime(),
): Promise<Embedder> {
  const full = resolve(folder);
  if (!existsSync(full) || !statSync(full).isDirectory())
    throw new Error(
      `--model ${folder}: not a folder (a local model folder with config.json, tokenizer.json, onnx/model.onnx)`,
    );
  if (!existsSync(resolve(full, "config.json"))) throw new Error(`--model ${folder}: no config.json in the folder`);
  const rt = runtime();
  rt.env.allowRemoteModels = false;
  rt.env.allowLocalModels = true;
  rt.env.localModelPath = dirname(full);
  const extract = await rt.pipeline("feature-extraction", basename(full), { local_files_only: true, dtype: "fp32" });
  const run = async (texts: readonly string[]) => {
    const out = await extract([...texts], { pooling: "mean", normalize: true });
    return out.tolist().map((v) => Float64Array.from(v));
  };
  const dim = (await run(["dimension probe"]))[0].length;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(resolve(full, "config.json")) as { _name_or_path?: string };
  return { model: config._name_or_path ?? basename(full), dim, embed: run };
}
