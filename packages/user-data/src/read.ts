import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import type { GshError } from "@gsh/core";
import { Growable, type UserProblem } from "./problem";

/**
 * Reads a user's problem from JSONL, streaming (one line in memory at a time). Two layouts, fixed by the first
 * record:
 *
 * Native (`gsh/user-problem`), records by `type`:
 *   {"type": "problem", "version": 1, "dim": 768, "dtype": "f32"}   optional header (dtype "f64" by default)
 *   {"type": "prompt", "id": "p1", "weight": 2}                       optional; prompts also appear with candidates
 *   {"type": "candidate", "id": "c1", "prompt": "p1", "features": [..], "reference": 0.25}
 *        reference: π0(c | prompt) as a probability, or "logReference" as a log-probability; give it for all or
 *        none of a prompt's candidates (uniform when none)
 *   {"type": "pair", "chosen": "c1", "rejected": "c2"}               candidates of one prompt, defined earlier
 *
 * Pairs (the common {prompt, chosen, rejected} layout with embedding columns):
 *   {"prompt": "…", "chosen": "…", "rejected": "…", "chosen_embedding": [..], "rejected_embedding": [..]}
 *   Candidates are the distinct (prompt, response) texts; a repeated response must repeat its embedding.
 *
 * Every error is a ParseError naming file, line and field, and nothing is returned on error.
 */
export function readUserProblem(
  path: string,
  options: { readonly dtype?: "f64" | "f32" } = {},
): TE.TaskEither<GshError, UserProblem> {
  return async () => {
    const b = new ProblemBuilder(path, options.dtype);
    let lineNo = 0;
    try {
      const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
      for await (let line of lines) {
        lineNo++;
        if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
        if (line.trim() === "") continue;
        const r = b.add(line, lineNo);
        if (E.isLeft(r)) {
          lines.close();
          return r;
        }
      }
    } catch (e) {
      return E.left({ _tag: "IOError", path, message: (e as Error).message });
    }
    return b.finish();
  };
}

type Json = Record<string, unknown>;

/** Accumulates records into typed columns; `finish` groups candidates by prompt. */
export class ProblemBuilder {
  private layout: "native" | "pairs" | null = null;
  private dim = 0;
  private dtype: "f64" | "f32";
  private readonly promptIndex = new Map<string, number>();
  private readonly prompts: string[] = [];
  private readonly weights: number[] = [];
  private readonly candidateIndex = new Map<string, number>();
  private readonly candidates: string[] = [];
  private readonly candPrompt = new Growable((n) => new Int32Array(n));
  private features: Growable<Float64Array | Float32Array>;
  private readonly refs = new Growable((n) => new Float64Array(n));
  private readonly chosen = new Growable((n) => new Int32Array(n));
  private readonly rejected = new Growable((n) => new Int32Array(n));
  private line = 0;

  constructor(
    private readonly source: string,
    dtype?: "f64" | "f32",
  ) {
    this.dtype = dtype ?? "f64";
    this.features = this.makeFeatures();
  }

  private makeFeatures(): Growable<Float64Array | Float32Array> {
    return this.dtype === "f32" ? new Growable((n) => new Float32Array(n)) : new Growable((n) => new Float64Array(n));
  }

  private err(field: string, message: string): E.Either<GshError, never> {
    return E.left({ _tag: "ParseError", source: this.source, line: this.line, field, message });
  }

  add(text: string, lineNo: number): E.Either<GshError, void> {
    this.line = lineNo;
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch (e) {
      return this.err("(line)", `not JSON: ${(e as Error).message}`);
    }
    if (typeof rec !== "object" || rec === null || Array.isArray(rec))
      return this.err("(line)", "expected a JSON object");
    const r = rec as Json;
    const layout = "type" in r ? "native" : "pairs";
    if (this.layout === null) this.layout = layout;
    else if (this.layout !== layout)
      return this.err("type", `mixes the ${this.layout} layout (first record) with the ${layout} layout`);
    return layout === "native" ? this.addNative(r) : this.addPairRecord(r);
  }

  private addNative(r: Json): E.Either<GshError, void> {
    switch (r.type) {
      case "problem": {
        if (this.candidates.length > 0) return this.err("type", "the problem header must come before any candidate");
        if (r.version !== undefined && r.version !== 1)
          return this.err("version", `unsupported version ${String(r.version)} (this reader knows 1)`);
        if (r.dim !== undefined) {
          if (!(Number.isInteger(r.dim) && (r.dim as number) >= 1))
            return this.err("dim", `must be an integer ≥ 1, got ${String(r.dim)}`);
          this.dim = r.dim as number;
        }
        if (r.dtype !== undefined) {
          if (r.dtype !== "f64" && r.dtype !== "f32")
            return this.err("dtype", `must be "f64" or "f32", got ${JSON.stringify(r.dtype)}`);
          this.dtype = r.dtype;
          this.features = this.makeFeatures();
        }
        return E.right(undefined);
      }
      case "prompt": {
        const id = r.id;
        if (typeof id !== "string" || id === "") return this.err("id", "a prompt needs a non-empty string id");
        if (this.promptIndex.has(id)) return this.err("id", `prompt "${id}" is defined twice`);
        const w = r.weight ?? 1;
        if (!(typeof w === "number" && w > 0 && Number.isFinite(w)))
          return this.err("weight", `must be a finite number > 0, got ${String(w)}`);
        this.promptOf(id, w);
        return E.right(undefined);
      }
      case "candidate": {
        const id = r.id;
        if (typeof id !== "string" || id === "") return this.err("id", "a candidate needs a non-empty string id");
        if (this.candidateIndex.has(id)) return this.err("id", `candidate "${id}" is defined twice`);
        if (typeof r.prompt !== "string" || r.prompt === "")
          return this.err("prompt", "a candidate needs the string id of its prompt");
        let logRef = NaN;
        if (r.reference !== undefined && r.logReference !== undefined)
          return this.err("reference", "give reference or logReference, not both");
        if (r.reference !== undefined) {
          if (!(typeof r.reference === "number" && r.reference > 0 && r.reference <= 1))
            return this.err("reference", `must be a probability in (0, 1], got ${String(r.reference)}`);
          logRef = Math.log(r.reference);
        } else if (r.logReference !== undefined) {
          if (!(typeof r.logReference === "number" && r.logReference <= 0 && Number.isFinite(r.logReference)))
            return this.err("logReference", `must be a finite number ≤ 0, got ${String(r.logReference)}`);
          logRef = r.logReference;
        }
        const f = this.addCandidate(id, this.promptOf(r.prompt, undefined), r.features, "features", logRef);
        return E.isLeft(f) ? f : E.right(undefined);
      }
      case "pair": {
        const c = this.lookup(r.chosen, "chosen");
        if (E.isLeft(c)) return c;
        const j = this.lookup(r.rejected, "rejected");
        if (E.isLeft(j)) return j;
        return this.addPair(c.right, j.right, "rejected");
      }
      default:
        return this.err("type", `unknown record type ${JSON.stringify(r.type)} (problem, prompt, candidate or pair)`);
    }
  }

  private addPairRecord(r: Json): E.Either<GshError, void> {
    for (const k of ["prompt", "chosen", "rejected"] as const)
      if (typeof r[k] !== "string") return this.err(k, `the pairs layout needs a string "${k}"`);
    const x = this.promptOf(r.prompt as string, undefined);
    const ids: number[] = [];
    for (const side of ["chosen", "rejected"] as const) {
      const field = `${side}_embedding`;
      const id = JSON.stringify([r.prompt, r[side]]);
      const known = this.candidateIndex.get(id);
      if (known === undefined) {
        const c = this.addCandidate(id, x, r[field], field, NaN);
        if (E.isLeft(c)) return c;
        ids.push(c.right);
      } else {
        const same = this.checkSame(known, r[field], field);
        if (E.isLeft(same)) return same;
        ids.push(known);
      }
    }
    return this.addPair(ids[0], ids[1], "rejected");
  }

  private promptOf(id: string, weight: number | undefined): number {
    let x = this.promptIndex.get(id);
    if (x === undefined) {
      x = this.prompts.length;
      this.promptIndex.set(id, x);
      this.prompts.push(id);
      this.weights.push(weight ?? 1);
    }
    return x;
  }

  private vector(v: unknown, field: string): E.Either<GshError, ArrayLike<number>> {
    if (!Array.isArray(v)) return this.err(field, "must be an array of numbers");
    if (this.dim === 0) {
      if (v.length === 0) return this.err(field, "must not be empty");
      this.dim = v.length;
    }
    if (v.length !== this.dim) return this.err(field, `has ${v.length} entries, expected ${this.dim}`);
    for (let k = 0; k < v.length; k++)
      if (typeof v[k] !== "number" || !Number.isFinite(v[k]))
        return this.err(`${field}[${k}]`, `must be a finite number, got ${JSON.stringify(v[k])}`);
    return E.right(v as number[]);
  }

  private addCandidate(id: string, x: number, v: unknown, field: string, logRef: number): E.Either<GshError, number> {
    const vec = this.vector(v, field);
    if (E.isLeft(vec)) return vec;
    const c = this.candidates.length;
    this.candidateIndex.set(id, c);
    this.candidates.push(id);
    this.candPrompt.push(x);
    this.refs.push(logRef);
    this.features.reserve(this.dim);
    this.features.raw.set(vec.right, this.features.length);
    this.features.length += this.dim;
    return E.right(c);
  }

  private checkSame(c: number, v: unknown, field: string): E.Either<GshError, void> {
    const vec = this.vector(v, field);
    if (E.isLeft(vec)) return vec;
    const f = this.features.raw;
    const stored = this.dtype === "f32" ? (u: number) => Math.fround(u) : (u: number) => u;
    for (let k = 0; k < this.dim; k++)
      if (f[c * this.dim + k] !== stored(vec.right[k]))
        return this.err(`${field}[${k}]`, "this response appeared earlier with a different embedding");
    return E.right(undefined);
  }

  private lookup(v: unknown, field: string): E.Either<GshError, number> {
    if (typeof v !== "string") return this.err(field, "must be a candidate id (string)");
    const c = this.candidateIndex.get(v);
    if (c === undefined)
      return this.err(field, `unknown candidate "${v}" (candidates must come before the pairs that use them)`);
    return E.right(c);
  }

  private addPair(c: number, j: number, field: string): E.Either<GshError, void> {
    if (c === j) return this.err(field, "a pair needs two different candidates");
    const pr = this.candPrompt.raw;
    if (pr[c] !== pr[j])
      return this.err(field, `"${this.candidates[c]}" and "${this.candidates[j]}" answer different prompts`);
    this.chosen.push(c);
    this.rejected.push(j);
    return E.right(undefined);
  }

  /** Groups candidates by prompt (stable), fills uniform references, and checks what only the whole file shows. */
  finish(): E.Either<GshError, UserProblem> {
    const fileErr = (field: string, message: string): E.Either<GshError, never> =>
      E.left({ _tag: "ParseError", source: this.source, line: 0, field, message });
    const X = this.prompts.length;
    const m = this.candidates.length;
    if (m === 0) return fileErr("candidate", "the file defines no candidates");
    const promptOf = this.candPrompt.raw;
    const start = new Int32Array(X + 1);
    for (let c = 0; c < m; c++) start[promptOf[c] + 1]++;
    for (let x = 0; x < X; x++) {
      if (start[x + 1] === 0) return fileErr("prompt", `prompt "${this.prompts[x]}" has no candidates`);
      start[x + 1] += start[x];
    }
    const pos = start.slice(0, X);
    const order = new Int32Array(m); // new index of old candidate c
    for (let c = 0; c < m; c++) order[c] = pos[promptOf[c]]++;
    const d = this.dim;
    const src = this.features.raw;
    const features = this.dtype === "f32" ? new Float32Array(m * d) : new Float64Array(m * d);
    const ids = new Array<string>(m);
    const refs = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      const o = order[c];
      features.set(src.subarray(c * d, (c + 1) * d), o * d);
      ids[o] = this.candidates[c];
      refs[o] = this.refs.raw[c];
    }
    for (let x = 0; x < X; x++) {
      const a = start[x],
        b = start[x + 1];
      let given = 0;
      let total = 0;
      for (let c = a; c < b; c++)
        if (!Number.isNaN(refs[c])) {
          given++;
          total += Math.exp(refs[c]);
        }
      if (given === 0) refs.fill(-Math.log(b - a), a, b);
      else if (given < b - a)
        return fileErr(
          "reference",
          `prompt "${this.prompts[x]}" gives a reference for ${given} of its ${b - a} candidates (all or none)`,
        );
      else if (Math.abs(total - 1) > 1e-6)
        return fileErr("reference", `prompt "${this.prompts[x]}": reference probabilities sum to ${total}, not 1`);
    }
    const n = this.chosen.length;
    const chosen = new Int32Array(n);
    const rejected = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      chosen[i] = order[this.chosen.raw[i]];
      rejected[i] = order[this.rejected.raw[i]];
    }
    const wsum = this.weights.reduce((s, w) => s + w, 0);
    return E.right({
      dim: d,
      dtype: this.dtype,
      prompts: this.prompts,
      promptWeights: Float64Array.from(this.weights, (w) => w / wsum),
      promptStart: start,
      candidates: ids,
      features,
      referenceLogProb: refs,
      chosen,
      rejected,
    });
  }
}
