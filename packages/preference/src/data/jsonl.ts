// The JSONL record format and its validation: platform-free (browsers too). Reading and writing files is Node-only
// and lives in jsonl-files.ts, exported from "@gsh/preference/node".
import * as E from "fp-ts/lib/Either";
import type { GshError } from "@gsh/core";
import type { PreferenceDataset } from "./dataset";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

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

export type ParsedRecord = { x: number; a1: number; a2: number; y: 0 | 1; phi1?: number[]; phi2?: number[] };

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
): E.Either<GshError, ParsedRecord> {
  const err = (field: string, message: string): E.Either<GshError, ParsedRecord> =>
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
  ): number | E.Either<GshError, ParsedRecord> => {
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
  const out: ParsedRecord = { x, a1, a2, y: r.y };
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
