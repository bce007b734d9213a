import * as E from "fp-ts/lib/Either";
import * as TE from "fp-ts/lib/TaskEither";
import type { GshError } from "@gsh/core";
import { forEachLine } from "./jsonl-lines";
import { type EmbeddingInfo, Growable, type UserProblem } from "./problem";
import { type Message, splitImplicitPrompt, textProblem } from "./trl-text";

/**
 * Reads a user's problem from JSONL, streaming (one line in memory at a time). Two layouts, fixed by the first
 * record:
 *
 * An optional header `{"type": "problem", ...}` may open either layout; with `"extraFields": "allow"` fields the
 * reader does not know are skipped, otherwise each is an error naming it.
 *
 * Native (`gsh/user-problem`), records by `type`:
 *   {"type": "problem", "version": 1, "dim": 768, "dtype": "f32", "embedding": {"model": "…", "dim": 768}}
 *   {"type": "prompt", "id": "p1", "weight": 2, "text": "…"}        optional; prompts also appear with candidates
 *   {"type": "candidate", "id": "c1", "prompt": "p1", "features": [..], "reference": 0.25, "text": "…"}
 *        reference: π0(c | prompt) as a probability, or "logReference" as a log-probability (each summing to 1 over
 *        the prompt's candidates), or "logprob": a log-probability under the user's model, renormalised over the
 *        prompt's candidates; one kind for all or none of a prompt's candidates (uniform when none)
 *   {"type": "pair", "chosen": "c1", "rejected": "c2", "label": 0.8}  label p = P(chosen preferred), 1 by default;
 *        or "tie": true (Davidson's model)
 *
 * Pairs (TRL's {prompt, chosen, rejected} layout, standard or conversational, with embedding columns):
 *   {"prompt": …, "chosen": …, "rejected": …, "chosen_embedding": [..], "rejected_embedding": [..],
 *    "label"?: p, "tie"?: true, "score_chosen"?: s, "score_rejected"?: s, "chosen_logprob"?: l, "rejected_logprob"?: l}
 *   {"prompt": …, "response": …, "response_embedding": [..], "logprob"?: l}     an unlabelled candidate
 *   Texts are strings or lists of {role, content} messages; without `prompt`, chosen and rejected conversations
 *   share the prompt as their common prefix. Candidates are the distinct (prompt, response) texts; a repeated
 *   response must repeat its embedding. Scores set the label only with `scoreTemperature` T: p = σ((s_c − s_r)/T).
 *
 * Every error is a ParseError naming file, line and field, and nothing is returned on error.
 */
export function readUserProblem(path: string, options: ReaderOptions = {}): TE.TaskEither<GshError, UserProblem> {
  return async () => {
    const b = new ProblemBuilder(path, options);
    const read = await forEachLine(path, (line, lineNo) => b.add(line, lineNo));
    return E.isLeft(read) ? read : b.finish();
  };
}

export interface ReaderOptions {
  readonly dtype?: "f64" | "f32";
  /** Skip fields the reader does not know (as a header's `"extraFields": "allow"` does). */
  readonly allowExtraFields?: boolean;
  /** Use score_chosen/score_rejected: label p = σ((s_c − s_r)/T). Without it a file with scores is an error. */
  readonly scoreTemperature?: number;
}

type Json = Record<string, unknown>;

/** The fields each record kind may carry; anything else is an error unless extra fields are allowed. */
const KNOWN_FIELDS: Record<string, readonly string[]> = {
  problem: ["type", "version", "dim", "dtype", "extraFields", "embedding"],
  prompt: ["type", "id", "weight", "text"],
  candidate: ["type", "id", "prompt", "features", "reference", "logReference", "logprob", "text"],
  pair: ["type", "chosen", "rejected", "label", "tie", "margin"],
  pairRow: [
    "prompt",
    "chosen",
    "rejected",
    "chosen_embedding",
    "rejected_embedding",
    "label",
    "tie",
    "score_chosen",
    "score_rejected",
    "chosen_logprob",
    "rejected_logprob",
    "margin",
  ],
  responseRow: ["prompt", "response", "response_embedding", "logprob"],
};

/** How a candidate's π0 was given: not at all, normalised (reference/logReference), or a model log-probability. */
const enum RefKind {
  None = 0,
  Normalised = 1,
  ModelLogProb = 2,
}

/** Accumulates records into typed columns; `finish` groups candidates by prompt. */
export class ProblemBuilder {
  private layout: "native" | "pairs" | null = null;
  private sawHeader = false;
  private dim = 0;
  private dtype: "f64" | "f32";
  private allowExtra: boolean;
  private embedding: EmbeddingInfo | undefined;
  private readonly scoreTemperature: number | undefined;
  private readonly promptIndex = new Map<string, number>();
  private readonly prompts: string[] = [];
  private readonly promptTexts: unknown[] = [];
  private readonly weights: number[] = [];
  private readonly candidateIndex = new Map<string, number>();
  private readonly candidates: string[] = [];
  private readonly candidateTexts: unknown[] = [];
  private readonly candPrompt = new Growable((n) => new Int32Array(n));
  private features: Growable<Float64Array | Float32Array>;
  private readonly refs = new Growable((n) => new Float64Array(n));
  /** Per candidate: RefKind, and the line and field that gave its π0 (for the errors only the whole prompt shows). */
  private readonly refKind = new Growable((n) => new Int32Array(n));
  private readonly refLine = new Growable((n) => new Int32Array(n));
  private readonly refFields: string[] = [];
  private readonly chosen = new Growable((n) => new Int32Array(n));
  private readonly rejected = new Growable((n) => new Int32Array(n));
  private readonly labels = new Growable((n) => new Float64Array(n));
  private readonly ties = new Growable((n) => new Int32Array(n));
  private readonly margins = new Growable((n) => new Float64Array(n));
  private hasMargin = false;
  private hasText = false;
  private line = 0;

  constructor(
    private readonly source: string,
    options: ReaderOptions | "f64" | "f32" = {},
  ) {
    const o: ReaderOptions = typeof options === "string" ? { dtype: options } : options;
    this.dtype = o.dtype ?? "f64";
    this.allowExtra = o.allowExtraFields ?? false;
    this.scoreTemperature = o.scoreTemperature;
    this.features = this.makeFeatures();
  }

  private makeFeatures(): Growable<Float64Array | Float32Array> {
    return this.dtype === "f32" ? new Growable((n) => new Float32Array(n)) : new Growable((n) => new Float64Array(n));
  }

  private err(field: string, message: string): E.Either<GshError, never> {
    return E.left({ _tag: "ParseError", source: this.source, line: this.line, field, message });
  }

  /** The first field of `r` not in `known`, as an error naming it (none when extra fields are allowed). */
  private unknownField(r: Json, kind: string): E.Either<GshError, void> {
    if (this.allowExtra) return E.right(undefined);
    const known = KNOWN_FIELDS[kind];
    for (const k of Object.keys(r))
      if (!known.includes(k))
        return this.err(
          k,
          `unknown field (this record knows ${known.join(", ")}); a header {"type": "problem", "extraFields": "allow"} or --allow-extra-fields skips unknown fields`,
        );
    return E.right(undefined);
  }

  /** Records how the features were made (what `gsh embed` does in place of a header's `embedding`). */
  setEmbedding(info: EmbeddingInfo): void {
    this.embedding = info;
    this.dim = info.dim;
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
    if (r.type === "problem") return this.addHeader(r);
    const layout = "type" in r ? "native" : "pairs";
    if (this.layout === null) this.layout = layout;
    else if (this.layout !== layout)
      return this.err("type", `mixes the ${this.layout} layout (first record) with the ${layout} layout`);
    return layout === "native" ? this.addNative(r) : this.addPairRecord(r);
  }

  private addHeader(r: Json): E.Either<GshError, void> {
    if (this.sawHeader) return this.err("type", "a second problem header");
    if (this.candidates.length > 0) return this.err("type", "the problem header must come before any candidate");
    this.sawHeader = true;
    if (r.extraFields !== undefined) {
      if (r.extraFields !== "allow" && r.extraFields !== "error")
        return this.err("extraFields", `must be "allow" or "error", got ${JSON.stringify(r.extraFields)}`);
      if (r.extraFields === "allow") this.allowExtra = true;
    }
    const extra = this.unknownField(r, "problem");
    if (E.isLeft(extra)) return extra;
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
    if (r.embedding !== undefined) {
      const e = r.embedding as Json;
      if (typeof e !== "object" || e === null || Array.isArray(e))
        return this.err("embedding", 'must be an object {"model": string, "dim": integer, "input"?: string}');
      if (typeof e.model !== "string" || e.model === "")
        return this.err("embedding.model", "must be a non-empty string (the featuriser's or model's id)");
      if (!(Number.isInteger(e.dim) && (e.dim as number) >= 1))
        return this.err("embedding.dim", `must be an integer ≥ 1, got ${JSON.stringify(e.dim)}`);
      if (this.dim !== 0 && e.dim !== this.dim)
        return this.err("embedding.dim", `is ${String(e.dim)} but the header's dim is ${this.dim}`);
      if (e.input !== undefined && typeof e.input !== "string") return this.err("embedding.input", "must be a string");
      for (const k of Object.keys(e))
        if (!["model", "dim", "input"].includes(k) && !this.allowExtra)
          return this.err(`embedding.${k}`, "unknown field (embedding knows model, dim, input)");
      this.embedding = { model: e.model, dim: e.dim as number, ...(e.input ? { input: e.input } : {}) };
      this.dim = e.dim as number;
    }
    return E.right(undefined);
  }

  private addNative(r: Json): E.Either<GshError, void> {
    const kind = typeof r.type === "string" && r.type in KNOWN_FIELDS && r.type !== "pairRow" ? r.type : null;
    if (kind === null || kind === "responseRow")
      return this.err("type", `unknown record type ${JSON.stringify(r.type)} (problem, prompt, candidate or pair)`);
    const extra = this.unknownField(r, kind);
    if (E.isLeft(extra)) return extra;
    switch (kind) {
      case "prompt": {
        const id = r.id;
        if (typeof id !== "string" || id === "") return this.err("id", "a prompt needs a non-empty string id");
        if (this.promptIndex.has(id)) return this.err("id", `prompt "${id}" is defined twice`);
        const w = r.weight ?? 1;
        if (!(typeof w === "number" && w > 0 && Number.isFinite(w)))
          return this.err("weight", `must be a finite number > 0, got ${String(w)}`);
        if (r.text !== undefined) {
          const bad = textProblem(r.text);
          if (bad) return this.err("text", bad);
        }
        const x = this.promptOf(id, w);
        if (r.text !== undefined) this.setPromptText(x, r.text);
        return E.right(undefined);
      }
      case "candidate": {
        const id = r.id;
        if (typeof id !== "string" || id === "") return this.err("id", "a candidate needs a non-empty string id");
        if (this.candidateIndex.has(id)) return this.err("id", `candidate "${id}" is defined twice`);
        if (typeof r.prompt !== "string" || r.prompt === "")
          return this.err("prompt", "a candidate needs the string id of its prompt");
        const given = (["reference", "logReference", "logprob"] as const).filter((k) => r[k] !== undefined);
        if (given.length > 1)
          return this.err(given[1], `give one of reference, logReference, logprob, not ${given.join(" and ")}`);
        const ref = this.referenceField(r, given[0]);
        if (E.isLeft(ref)) return ref;
        if (r.text !== undefined) {
          const bad = textProblem(r.text);
          if (bad) return this.err("text", bad);
        }
        const f = this.addCandidate(id, this.promptOf(r.prompt, undefined), r.features, "features", ref.right, r.text);
        return E.isLeft(f) ? f : E.right(undefined);
      }
      case "pair": {
        const c = this.lookup(r.chosen, "chosen");
        if (E.isLeft(c)) return c;
        const j = this.lookup(r.rejected, "rejected");
        if (E.isLeft(j)) return j;
        const o = this.outcome(r, null);
        if (E.isLeft(o)) return o;
        return this.addPair(c.right, j.right, "rejected", o.right);
      }
      default:
        return this.err("type", `a ${kind} record here`);
    }
  }

  /** π0 of a candidate from the named field (none: NaN, RefKind.None). */
  private referenceField(
    r: Json,
    field: "reference" | "logReference" | "logprob" | "chosen_logprob" | "rejected_logprob" | undefined,
  ): E.Either<GshError, { logRef: number; kind: RefKind; field: string }> {
    if (field === undefined) return E.right({ logRef: NaN, kind: RefKind.None, field: "" });
    const v = r[field];
    if (field === "reference") {
      if (!(typeof v === "number" && v > 0 && v <= 1))
        return this.err(field, `must be a probability in (0, 1], got ${String(v)}`);
      return E.right({ logRef: Math.log(v), kind: RefKind.Normalised, field });
    }
    if (!(typeof v === "number" && v <= 0 && Number.isFinite(v)))
      return this.err(field, `must be a finite number ≤ 0 (a log-probability), got ${String(v)}`);
    return E.right({ logRef: v, kind: field === "logReference" ? RefKind.Normalised : RefKind.ModelLogProb, field });
  }

  /** A pair's label p and tie flag; `scores` are the pairs layout's score fields (null in the native layout). */
  private outcome(
    r: Json,
    scores: [unknown, unknown] | null,
  ): E.Either<GshError, { label: number; tie: boolean; margin: number }> {
    let margin = 0;
    if (r.margin !== undefined) {
      if (!(typeof r.margin === "number" && Number.isFinite(r.margin)))
        return this.err("margin", `must be a finite number (TRL's reward margin), got ${JSON.stringify(r.margin)}`);
      if (r.tie === true) return this.err("margin", "a tie has no margin");
      margin = r.margin;
    }
    if (r.tie !== undefined && typeof r.tie !== "boolean")
      return this.err("tie", `must be true or false, got ${JSON.stringify(r.tie)}`);
    const tie = r.tie === true;
    let label = 1;
    if (r.label !== undefined) {
      if (tie) return this.err("label", 'a tie has no label: give "tie": true or a "label", not both');
      if (!(typeof r.label === "number" && r.label >= 0 && r.label <= 1))
        return this.err(
          "label",
          `must be a number in [0, 1] (the probability that chosen is preferred), got ${JSON.stringify(r.label)}`,
        );
      label = r.label;
    }
    if (scores && (scores[0] !== undefined || scores[1] !== undefined)) {
      for (const [k, v] of [
        ["score_chosen", scores[0]],
        ["score_rejected", scores[1]],
      ] as const)
        if (!(typeof v === "number" && Number.isFinite(v)))
          return this.err(
            k,
            `must be a finite number (score_chosen and score_rejected come together), got ${JSON.stringify(v)}`,
          );
      const T = this.scoreTemperature;
      if (T === undefined) {
        if (!this.allowExtra)
          return this.err(
            "score_chosen",
            "scores are used only with a temperature T (--score-temperature T: label p = σ((score_chosen − score_rejected)/T)); or allow extra fields to skip them",
          );
      } else {
        if (tie || r.label !== undefined)
          return this.err(
            "score_chosen",
            "with --score-temperature the scores set the label: drop label/tie or the scores",
          );
        label = 1 / (1 + Math.exp(-((scores[0] as number) - (scores[1] as number)) / T));
      }
    }
    return E.right({ label, tie, margin });
  }

  /** A text field of the pairs layout (string or messages). */
  private text(r: Json, field: string): E.Either<GshError, unknown> {
    const bad = textProblem(r[field]);
    if (bad) return this.err(field, bad);
    return E.right(r[field]);
  }

  private addPairRecord(r: Json): E.Either<GshError, void> {
    const isResponse = "response" in r;
    const extra = this.unknownField(r, isResponse ? "responseRow" : "pairRow");
    if (E.isLeft(extra)) return extra;
    if (isResponse) return this.addResponseRow(r);
    let prompt: unknown = r.prompt;
    let chosen: unknown = r.chosen;
    let rejected: unknown = r.rejected;
    for (const k of ["chosen", "rejected"] as const) {
      const t = this.text(r, k);
      if (E.isLeft(t)) return t;
    }
    if (prompt === undefined) {
      const split =
        Array.isArray(chosen) && Array.isArray(rejected)
          ? splitImplicitPrompt(chosen as Message[], rejected as Message[])
          : null;
      if (!split)
        return this.err(
          "prompt",
          "missing: give a prompt, or chosen and rejected conversations that share their opening messages (TRL's implicit prompt)",
        );
      ({ prompt, chosen, rejected } = split);
    } else {
      const t = this.text(r, "prompt");
      if (E.isLeft(t)) return t;
    }
    const o = this.outcome(r, [r.score_chosen, r.score_rejected]);
    if (E.isLeft(o)) return o;
    const x = this.pairsPrompt(prompt);
    const ids: number[] = [];
    for (const [side, text] of [
      ["chosen", chosen],
      ["rejected", rejected],
    ] as const) {
      const ref = this.referenceField(r, r[`${side}_logprob`] === undefined ? undefined : `${side}_logprob`);
      if (E.isLeft(ref)) return ref;
      const c = this.pairsCandidate(x, prompt, text, r[`${side}_embedding`], `${side}_embedding`, ref.right);
      if (E.isLeft(c)) return c;
      ids.push(c.right);
    }
    return this.addPair(ids[0], ids[1], "rejected", o.right);
  }

  private addResponseRow(r: Json): E.Either<GshError, void> {
    for (const k of ["prompt", "response"] as const) {
      const t = this.text(r, k);
      if (E.isLeft(t)) return t;
    }
    const ref = this.referenceField(r, r.logprob === undefined ? undefined : "logprob");
    if (E.isLeft(ref)) return ref;
    const x = this.pairsPrompt(r.prompt);
    const c = this.pairsCandidate(x, r.prompt, r.response, r.response_embedding, "response_embedding", ref.right);
    return E.isLeft(c) ? c : E.right(undefined);
  }

  private pairsPrompt(prompt: unknown): number {
    const key = typeof prompt === "string" ? prompt : JSON.stringify(prompt);
    const x = this.promptOf(key, undefined);
    this.setPromptText(x, prompt);
    return x;
  }

  /** The candidate of a (prompt, response) text: new, or the same one again (same embedding, same π0). */
  private pairsCandidate(
    x: number,
    prompt: unknown,
    response: unknown,
    embedding: unknown,
    field: string,
    ref: { logRef: number; kind: RefKind; field: string },
  ): E.Either<GshError, number> {
    const id = JSON.stringify([prompt, response]);
    const known = this.candidateIndex.get(id);
    if (known === undefined) return this.addCandidate(id, x, embedding, field, ref, response);
    const same = this.checkSame(known, embedding, field);
    if (E.isLeft(same)) return same;
    if (ref.kind !== RefKind.None) {
      const before = this.refs.raw[known];
      if (this.refKind.raw[known] === RefKind.None) {
        this.refs.raw[known] = ref.logRef;
        this.refKind.raw[known] = ref.kind;
        this.refLine.raw[known] = this.line;
        this.refFields[known] = ref.field;
      } else if (before !== ref.logRef)
        return this.err(
          ref.field,
          `this response appeared at line ${this.refLine.raw[known]} with log-probability ${before}, here ${ref.logRef}`,
        );
    }
    return E.right(known);
  }

  private setPromptText(x: number, text: unknown): void {
    this.hasText = true;
    this.promptTexts[x] = text;
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
    if (v === undefined)
      return this.err(
        field,
        "missing: the features (embedding) of this response; turn text into features with `gsh embed`",
      );
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

  private addCandidate(
    id: string,
    x: number,
    v: unknown,
    field: string,
    ref: { logRef: number; kind: RefKind; field: string },
    text: unknown,
  ): E.Either<GshError, number> {
    const vec = this.vector(v, field);
    if (E.isLeft(vec)) return vec;
    const c = this.candidates.length;
    this.candidateIndex.set(id, c);
    this.candidates.push(id);
    this.candPrompt.push(x);
    this.refs.push(ref.logRef);
    this.refKind.push(ref.kind);
    this.refLine.push(this.line);
    this.refFields.push(ref.field);
    if (text !== undefined) {
      this.hasText = true;
      this.candidateTexts[c] = text;
    }
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

  private addPair(
    c: number,
    j: number,
    field: string,
    o: { label: number; tie: boolean; margin: number },
  ): E.Either<GshError, void> {
    if (c === j) return this.err(field, "a pair needs two different candidates");
    const pr = this.candPrompt.raw;
    if (pr[c] !== pr[j])
      return this.err(field, `"${this.candidates[c]}" and "${this.candidates[j]}" answer different prompts`);
    this.chosen.push(c);
    this.rejected.push(j);
    this.labels.push(o.label);
    this.ties.push(o.tie ? 1 : 0);
    this.margins.push(o.margin);
    if (o.margin !== 0) this.hasMargin = true;
    return E.right(undefined);
  }

  /** Groups candidates by prompt (stable), fills uniform references, and checks what only the whole file shows. */
  finish(): E.Either<GshError, UserProblem> {
    const fileErr = (field: string, message: string, line = 0): E.Either<GshError, never> =>
      E.left({ _tag: "ParseError", source: this.source, line, field, message });
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
    const old = new Int32Array(m); // old index of new candidate o
    for (let c = 0; c < m; c++) {
      order[c] = pos[promptOf[c]]++;
      old[order[c]] = c;
    }
    const d = this.dim;
    const src = this.features.raw;
    const features = this.dtype === "f32" ? new Float32Array(m * d) : new Float64Array(m * d);
    const ids = new Array<string>(m);
    const refs = new Float64Array(m);
    const texts: unknown[] | undefined = this.hasText ? new Array<unknown>(m).fill(null) : undefined;
    for (let c = 0; c < m; c++) {
      const o = order[c];
      features.set(src.subarray(c * d, (c + 1) * d), o * d);
      ids[o] = this.candidates[c];
      refs[o] = this.refs.raw[c];
      if (texts) texts[o] = this.candidateTexts[c] ?? null;
    }
    for (let x = 0; x < X; x++) {
      const a = start[x],
        b = start[x + 1];
      // The candidate (old index) that gave prompt x's π0 last, and the kinds its candidates used.
      let given = 0;
      let last = -1;
      let kinds = 0;
      let top = -Infinity;
      for (let o = a; o < b; o++) {
        const c = old[o];
        const kind = this.refKind.raw[c];
        if (kind === RefKind.None) continue;
        given++;
        kinds |= 1 << kind;
        top = Math.max(top, refs[o]);
        if (last < 0 || this.refLine.raw[c] > this.refLine.raw[last]) last = c;
      }
      if (given === 0) {
        refs.fill(-Math.log(b - a), a, b);
        continue;
      }
      const where = { line: this.refLine.raw[last], field: this.refFields[last] };
      if (given < b - a)
        return fileErr(
          where.field,
          `prompt "${this.prompts[x]}" gives π0 (reference, logReference or logprob) for ${given} of its ${b - a} candidates (all or none)`,
          where.line,
        );
      if (kinds === 1 << RefKind.ModelLogProb) {
        // Log-probabilities under the user's model: π0 restricted to these candidates, renormalised.
        let z = 0;
        for (let o = a; o < b; o++) z += Math.exp(refs[o] - top);
        const lz = top + Math.log(z);
        for (let o = a; o < b; o++) refs[o] -= lz;
        continue;
      }
      if (kinds !== 1 << RefKind.Normalised)
        return fileErr(
          where.field,
          `prompt "${this.prompts[x]}" mixes normalised π0 (reference/logReference) with model log-probabilities (logprob)`,
          where.line,
        );
      let total = 0;
      for (let o = a; o < b; o++) total += Math.exp(refs[o]);
      if (Math.abs(total - 1) > 1e-6)
        return fileErr(
          where.field,
          `prompt "${this.prompts[x]}": its candidates' ${where.field} values sum to ${+total.toPrecision(6)} as probabilities, not 1 (this is its last candidate; use logprob for unnormalised log-probabilities)`,
          where.line,
        );
    }
    const n = this.chosen.length;
    const chosen = new Int32Array(n);
    const rejected = new Int32Array(n);
    let plain = true;
    for (let i = 0; i < n; i++) {
      chosen[i] = order[this.chosen.raw[i]];
      rejected[i] = order[this.rejected.raw[i]];
      if (this.labels.raw[i] !== 1 || this.ties.raw[i] !== 0) plain = false;
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
      ...(plain ? {} : { labels: this.labels.toArray(), ties: Uint8Array.from(this.ties.toArray()) }),
      ...(this.hasMargin ? { margins: this.margins.toArray() } : {}),
      ...(this.hasText
        ? { promptTexts: Array.from({ length: X }, (_, x) => this.promptTexts[x] ?? null), candidateTexts: texts }
        : {}),
      ...(this.embedding ? { embedding: this.embedding } : {}),
      idLayout: this.layout === "pairs" ? "pairs" : "native",
    });
  }
}
