// node:crypto's createHash("sha256"), for the bench runner's code in the page (the suite fingerprint, trial file
// names), on @noble/hashes: the SHA-256 that @gsh/core's random streams already use.
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

export function createHash(algorithm: string) {
  if (algorithm !== "sha256") throw new Error(`only sha256 is available in the browser, not ${algorithm}`);
  const h = sha256.create();
  const hash = {
    update(data: string | Uint8Array) {
      h.update(typeof data === "string" ? utf8ToBytes(data) : data);
      return hash;
    },
    digest(encoding: "hex") {
      if (encoding !== "hex") throw new Error("only hex digests are available in the browser");
      return bytesToHex(h.digest());
    },
  };
  return hash;
}
