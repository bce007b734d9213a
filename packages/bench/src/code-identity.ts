import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/**
 * The code a suite runs with, as far as gsh can tell: its version, the git commit and whether tracked files differ
 * from it (where gsh runs from a checkout; null from an installed package), and the SHA-256 of each plugin's entry
 * file (files a plugin imports are not hashed). It enters the suite's fingerprint, so rows of two versions never mix.
 */
export interface CodeIdentity {
  readonly gshVersion: string;
  readonly commit: string | null;
  readonly dirty: boolean | null;
  readonly plugins: readonly { readonly file: string; readonly sha256: string }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const GSH_VERSION = (require("../package.json") as { version: string }).version;

let checkout: { commit: string | null; dirty: boolean | null } | null = null;

/** The checkout gsh runs from (once per process): git's HEAD and whether tracked files are modified. */
function gitCheckout(): { commit: string | null; dirty: boolean | null } {
  if (checkout) return checkout;
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", __dirname, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const commit = git("rev-parse", "HEAD");
    checkout = { commit, dirty: git("status", "--porcelain", "--untracked-files=no").length > 0 };
  } catch {
    checkout = { commit: null, dirty: null }; // not a checkout, or no git
  }
  return checkout;
}

export function codeIdentity(pluginPaths: readonly string[]): CodeIdentity {
  const plugins = pluginPaths
    .map((p) => ({ file: basename(p), sha256: createHash("sha256").update(readFileSync(p)).digest("hex") }))
    .sort((a, b) => (a.file + a.sha256 < b.file + b.sha256 ? -1 : 1));
  return { gshVersion: GSH_VERSION, ...gitCheckout(), plugins };
}

/** What changed between two code identities, in words (empty when equal). */
export function codeChanges(was: CodeIdentity | undefined, now: CodeIdentity | undefined): string[] {
  if (!was || !now) return was === now ? [] : ["one side records no code identity"];
  const out: string[] = [];
  if (was.gshVersion !== now.gshVersion) out.push(`gsh ${was.gshVersion} → ${now.gshVersion}`);
  if (was.commit !== now.commit)
    out.push(`commit ${was.commit?.slice(0, 12) ?? "(none)"} → ${now.commit?.slice(0, 12) ?? "(none)"}`);
  if (was.dirty !== now.dirty) out.push(`uncommitted changes: ${was.dirty} → ${now.dirty}`);
  const key = (p: CodeIdentity["plugins"][number]) => `${p.file}@${p.sha256}`;
  const before = new Set(was.plugins.map(key));
  const after = new Set(now.plugins.map(key));
  for (const p of now.plugins) if (!before.has(key(p))) out.push(`plugin ${p.file} is new or changed`);
  for (const p of was.plugins)
    if (!after.has(key(p)) && !now.plugins.some((q) => q.file === p.file))
      out.push(`plugin ${p.file} is no longer loaded`);
  return out;
}
