import { createReadStream, createWriteStream } from "node:fs";
import { rename, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { once } from "node:events";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import type { GshError } from "@gsh/core";
import { PreferenceDataset } from "./dataset";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * JSONL preference records, one per line: `{"x": 0, "a1": 3, "a2": 5, "y": 1}`, optionally with the feature
 * vectors `"phi1": [...]`, `"phi2": [...]` of the two responses. Blank lines are skipped.
 */
export interface DatasetSchema {
  /** Contexts are integers in [0, contexts). */
  readonly contexts?: number;
  /** Actions are integers in [0, actions). */
  readonly actions?: number;
  /** When set, every record must carry phi1 and phi2 of this length. */
  readonly featureDim?: number;
}

export interface ReadOptions extends DatasetSchema {
  /** "fail" (default): stop at the first bad line with its ParseError. "skip": keep every good record and list the bad lines. */
  readonly onError?: "fail" | "skip";
}

export interface ReadResult {
  readonly dataset: PreferenceDataset;
  /** The bad lines that were skipped (empty in "fail" mode). */
  readonly skipped: readonly GshError[];
}

type Parsed = { x: number; a1: number; a2: number; y: 0 | 1; phi1?: number[]; phi2?: number[] };

/** A value as an error shows it: at most 80 characters, so a 2 MB bad value is not echoed whole. */
function describe(v: unknown): string {
  const text = typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.length} items]` : String(v);
  return text.length > 80 ? `${text.slice(0, 77)}… (${text.length} characters)` : text;
}

const RECORD_KEYS = ["x", "a1", "a2", "y", "phi1", "phi2"] as const;
const KEY_PATTERNS = RECORD_KEYS.map((k) => [k, new RegExp(`"${k}"\\s*:`, "g")] as const);
/** Indices are stored in Int32 columns: larger ones would wrap. */
const MAX_INDEX = 2 ** 31 - 1;

/** Parses and validates one line. Exported for callers that read records from elsewhere (a socket, a queue). */
export function parseRecord(
  line: string,
  lineNo: number,
  source: string,
  schema: DatasetSchema,
): E.Either<GshError, Parsed> {
  const err = (field: string, message: string): E.Either<GshError, Parsed> =>
    E.left({ _tag: "ParseError", source, line: lineNo, field, message });
  // A UTF-8 byte-order mark (some editors write one) is not part of the record.
  if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return err("(json)", `not valid JSON: ${describe((e as Error).message)}`);
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return err("(record)", "expected a JSON object");
  const r = o as Record<string, unknown>;
  // JSON.parse keeps the last of duplicate keys silently; a record that says x twice is ambiguous.
  for (const [key, pattern] of KEY_PATTERNS)
    if (key in r && (line.match(pattern)?.length ?? 0) > 1) return err(key, "duplicate key");
  const index = (
    field: "x" | "a1" | "a2",
    limit: number | undefined,
    what: string,
  ): number | E.Either<GshError, Parsed> => {
    const v = r[field];
    if (v === undefined) return err(field, `missing ${what}`);
    if (typeof v !== "number" || !Number.isFinite(v)) return err(field, `expected a finite number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < 0) return err(field, `expected a non-negative integer ${what}, got ${v}`);
    if (limit !== undefined && v >= limit) return err(field, `unknown ${what} ${v} (there are ${limit})`);
    if (v > MAX_INDEX) return err(field, `${what} ${v} is larger than ${MAX_INDEX}, the largest index stored`);
    return v;
  };
  const x = index("x", schema.contexts, "context");
  if (typeof x !== "number") return x;
  const a1 = index("a1", schema.actions, "action");
  if (typeof a1 !== "number") return a1;
  const a2 = index("a2", schema.actions, "action");
  if (typeof a2 !== "number") return a2;
  if (r.y === undefined) return err("y", "missing label (y must be 1 when a1 is preferred, 0 when a2 is)");
  if (r.y !== 0 && r.y !== 1) return err("y", `label must be 0 or 1, got ${describe(r.y)}`);
  const out: Parsed = { x, a1, a2, y: r.y };
  if (schema.featureDim !== undefined) {
    for (const field of ["phi1", "phi2"] as const) {
      const v = r[field];
      if (v === undefined) return err(field, `missing feature vector (expected ${schema.featureDim} numbers)`);
      if (!Array.isArray(v)) return err(field, "expected an array of numbers");
      if (v.length !== schema.featureDim)
        return err(field, `wrong feature length: ${v.length} entries, expected ${schema.featureDim}`);
      for (let k = 0; k < v.length; k++) {
        if (typeof v[k] !== "number" || !Number.isFinite(v[k]))
          return err(
            `${field}[${k}]`,
            `expected a finite number, got ${describe(v[k])}${v[k] === null ? " (NaN or ±Infinity written as JSON?)" : ""}`,
          );
      }
      out[field] = v as number[];
    }
  }
  return E.right(out);
}

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
