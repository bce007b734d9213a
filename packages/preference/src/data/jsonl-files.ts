import { createReadStream, createWriteStream } from "node:fs";
import { rename, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { once } from "node:events";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import type { GshError } from "@gsh/core";
import { PreferenceDataset } from "./dataset";
import { type ReadOptions, type ReadResult, parseRecord } from "./jsonl";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * Streams a JSONL preference file into a columnar dataset (memory is the typed arrays, not one object per record).
 * An empty file (no records) is a ParseError at line 0. In "fail" mode the first bad line is returned as a
 * ParseError naming its line and field; in "skip" mode good records are kept and the bad lines are reported.
 */
export function readPreferencesJsonl(path: string, options: ReadOptions = {}): TE.TaskEither<GshError, ReadResult> {
  return async () => {
    try {
      await stat(path);
    } catch (e) {
      return E.left({ _tag: "IOError", path, message: (e as Error).message });
    }
    const dataset = new PreferenceDataset(1024, options.featureDim ?? 0);
    const skipped: GshError[] = [];
    const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of rl) {
        lineNo++;
        if (line.trim() === "") continue;
        const p = parseRecord(line, lineNo, path, options);
        if (E.isLeft(p)) {
          if (options.onError === "skip") {
            skipped.push(p.left);
            continue;
          }
          rl.close();
          return p;
        }
        const r = p.right;
        if (r.phi1 && r.phi2) dataset.pushWithFeatures(r.x, r.a1, r.a2, r.y, r.phi1, r.phi2);
        else dataset.push(r.x, r.a1, r.a2, r.y);
      }
    } catch (e) {
      return E.left({ _tag: "IOError", path, message: (e as Error).message });
    }
    if (dataset.size === 0 && skipped.length === 0)
      return E.left({
        _tag: "ParseError",
        source: path,
        line: 0,
        field: "(file)",
        message: "empty dataset: no records",
      });
    return E.right({ dataset, skipped });
  };
}

/**
 * Writes a dataset as JSONL, streaming with back-pressure, to `path + ".tmp"` and then renaming it, so an existing
 * file is never left half-written.
 */
export function writePreferencesJsonl(path: string, data: PreferenceDataset): TE.TaskEither<GshError, number> {
  return async () => {
    const tmp = `${path}.tmp`;
    try {
      const out = createWriteStream(tmp, { encoding: "utf8" });
      const xs = data.context,
        a1 = data.first,
        a2 = data.second,
        ys = data.label;
      const d = data.featureDim;
      const f1 = data.firstFeatures,
        f2 = data.secondFeatures;
      const CHUNK = 4096;
      for (let i0 = 0; i0 < data.size; i0 += CHUNK) {
        let s = "";
        const end = Math.min(data.size, i0 + CHUNK);
        for (let i = i0; i < end; i++) {
          s += `{"x":${xs[i]},"a1":${a1[i]},"a2":${a2[i]},"y":${ys[i]}`;
          if (d > 0)
            s += `,"phi1":[${Array.from(f1.subarray(i * d, (i + 1) * d)).join(",")}],"phi2":[${Array.from(f2.subarray(i * d, (i + 1) * d)).join(",")}]`;
          s += "}\n";
        }
        if (!out.write(s)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
      await rename(tmp, path);
      return E.right(data.size);
    } catch (e) {
      return E.left({ _tag: "IOError", path, message: (e as Error).message });
    }
  };
}
