import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** An output path that cannot be written: one line, exit 2 (the caller's error type carries it). */
export class OutputPathError extends Error {}

/**
 * Checks, before any work, that `path` can be written as a file: its folder exists, is a folder and is writable,
 * and `path` itself is not a folder. An existing file is fine (outputs are written to a temporary file beside it
 * and renamed over it).
 */
export function checkOutputPath(path: string, flag: string): void {
  const full = resolve(path);
  const folder = dirname(full);
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return null;
    }
  };
  const f = stat(folder);
  if (!f) throw new OutputPathError(`${flag} ${path}: the folder ${folder} does not exist (create it first)`);
  if (!f.isDirectory()) throw new OutputPathError(`${flag} ${path}: ${folder} is not a folder`);
  const target = stat(full);
  if (target?.isDirectory()) throw new OutputPathError(`${flag} ${path}: is a folder; give a file path inside it`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new OutputPathError(`${flag} ${path}: the folder ${folder} is not writable`);
  }
  if (target) {
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw new OutputPathError(`${flag} ${path}: the file exists and is not writable`);
    }
  }
}
