// Testbed T in the page: the environment definitions' `testbedT` (which reads the corpus from disk under Node) builds
// T from the text model asset's bytes instead, the same instance to the bit (see @gsh/testbeds' textTestbedFromBytes).
// The worker fetches the asset the first time T is chosen and installs it here.
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import { type TestbedTParams, type TextInstance, textTestbedFromBytes } from "@gsh/testbeds";

let assetBytes: Uint8Array | undefined;
const built = new Map<string, TextInstance>();

export function installTextAsset(bytes: Uint8Array): void {
  assetBytes = bytes;
  built.clear();
}

export const textAssetInstalled = () => assetBytes !== undefined;

/** T is not random (its seed enters through data and labels), so one instance per parameter set serves every seed. */
export function testbedT(seed: number, params: TestbedTParams = {}): E.Either<GshError, TextInstance> {
  if (!assetBytes)
    return E.left({ _tag: "InvalidArgument", field: "asset", message: "the text model asset is not loaded yet" });
  const key = JSON.stringify(params);
  const hit = built.get(key);
  if (hit) return E.right(hit);
  const t = textTestbedFromBytes(assetBytes, params, seed);
  if (E.isRight(t)) built.set(key, t.right);
  return t;
}
