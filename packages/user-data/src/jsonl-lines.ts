import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";

/**
 * Streams a JSONL file's non-blank lines (a leading BOM dropped) to `onLine` with their 1-based line numbers, one
 * line in memory at a time, stopping at the first Left; a read failure is an IOError naming the file.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string, lineNo: number) => E.Either<GshError, void> | Promise<E.Either<GshError, void>>,
): Promise<E.Either<GshError, void>> {
  let lineNo = 0;
  try {
    const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (let line of lines) {
      lineNo++;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (line.trim() === "") continue;
      const r = await onLine(line, lineNo);
      if (E.isLeft(r)) {
        lines.close();
        return r;
      }
    }
  } catch (e) {
    return E.left({ _tag: "IOError", path, message: (e as Error).message });
  }
  return E.right(undefined);
}
