import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { type TextModelAsset, type TextResources, textModelAsset } from "@gsh/text";
import { loadTextResources } from "@gsh/text/node";
import { type TestbedTParams, type TextInstance, checkTestbedTParams, textTestbed } from "./testbed-t";

// The asset depends on the resources and V only: built once per process (tokenising and counting the novel).
const assets = new WeakMap<TextResources, Map<number, TextModelAsset>>();
let installed: TextResources | undefined;

/**
 * T built from the corpus packages on disk (`@gsh/text/node`), or from `params.resources`: the asset is made in
 * memory (`textModelAsset`) and T built from it exactly as a web page builds it from the asset's bytes.
 */
export function testbedT(
  seed: number,
  params: TestbedTParams & { readonly resources?: TextResources } = {},
): E.Either<GshError, TextInstance> {
  const checked = checkTestbedTParams(params);
  if (E.isLeft(checked)) return checked;
  const V = checked.right.vocab;
  let resources = params.resources ?? installed;
  if (!resources) {
    const loaded = loadTextResources();
    if (E.isLeft(loaded)) return loaded;
    resources = installed = loaded.right;
  }
  let byV = assets.get(resources);
  if (!byV) assets.set(resources, (byV = new Map<number, TextModelAsset>()));
  let asset = byV.get(V);
  if (!asset) {
    const built = textModelAsset(resources, V);
    if (E.isLeft(built)) return built;
    byV.set(V, (asset = built.right));
  }
  const { resources: _, ...rest } = params;
  return textTestbed(seed, asset, rest);
}
