import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readResults, reproducibleContent, type ResultRow } from "@gsh/report";

// The CLI as users run it: the built bin in a child process (real Node, real worker threads).
export const bin = join(__dirname, "..", "dist", "bin.js");
export const fixtures = join(__dirname, "fixtures");
export const tmp = () => mkdtempSync(join(tmpdir(), "gsh-cli-"));
export const gsh = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", ...env } });
export const rowsOf = (dir: string) => readResults(join(dir, "results.jsonl"));
/** Rows sorted by trial id, without their wall times: what must agree between runs. */
export const byId = (rows: ResultRow[]) =>
  [...rows].sort((a, b) => a.trialId.localeCompare(b.trialId)).map(reproducibleContent);
