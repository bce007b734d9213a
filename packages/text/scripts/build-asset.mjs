// Writes assets/moby-dick-v512.gshtext: testbed T's text model asset at V = 512 (the default), from the installed
// corpus packages, so that a web page builds T from its bytes without the corpus or node:fs
// (`textTestbedFromBytes` in @gsh/testbeds). Run after changing the tokenizer, the vocabulary or the corpus pins:
// pnpm --filter @gsh/text asset  (the tests check that the committed file is what this script writes).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeTextAsset, textModelAsset } from "../dist/index.js";
import { loadTextResources } from "../dist/node.js";

const V = 512;
const res = loadTextResources();
if (res._tag === "Left") throw new Error(res.left.message);
const asset = textModelAsset(res.right, V);
if (asset._tag === "Left") throw new Error(JSON.stringify(asset.left));
const bytes = encodeTextAsset(asset.right);
const out = join(import.meta.dirname, "..", "assets", `moby-dick-v${V}.gshtext`);
writeFileSync(out, bytes);
const bigrams = asset.right.counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
console.log(
  `wrote ${out}: ${bytes.length} bytes (${V} words, ${asset.right.starts.length} sentence starts, ${bigrams} distinct bigrams)`,
);
