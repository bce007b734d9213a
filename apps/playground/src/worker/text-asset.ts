// The text model asset (testbed T's serialised instance), fetched the first time T or the labeller needs it.
import { installTextAsset, textAssetInstalled } from "../shims/testbed-t-browser";

export const TEXT_ASSET_URL = "assets/moby-dick-v512.gshtext";

let loading: Promise<void> | undefined;
export function ensureTextAsset(): Promise<void> {
  if (textAssetInstalled()) return Promise.resolve();
  return (loading ??= fetch(new URL(TEXT_ASSET_URL, self.location.href))
    .then((r) => {
      if (!r.ok) throw new Error(`could not load the text model asset: HTTP ${r.status}`);
      return r.arrayBuffer();
    })
    .then((b) => installTextAsset(new Uint8Array(b))));
}
