/**
 * Texts as TRL's preference datasets hold them: a string (the standard layout), or a conversation (the
 * conversational layout), a list of messages `{role, content}`. The explicit-prompt form has a `prompt`; in the
 * implicit-prompt form `chosen` and `rejected` are whole conversations and the prompt is their longest common
 * prefix of messages (what TRL's `extract_prompt` does).
 */
export type Text = string | readonly Message[];

export interface Message {
  readonly role: string;
  readonly content: string;
}

/** Null when `v` is a string or a list of {role, content} messages; else what is wrong (for an error message). */
export function textProblem(v: unknown): string | null {
  if (typeof v === "string") return null;
  if (!Array.isArray(v)) return `must be a string or a list of {role, content} messages, got ${JSON.stringify(v)}`;
  if (v.length === 0) return "an empty list of messages";
  for (let i = 0; i < v.length; i++) {
    const m = v[i] as Record<string, unknown>;
    if (typeof m !== "object" || m === null || typeof m.role !== "string" || typeof m.content !== "string")
      return `message ${i} must be {"role": string, "content": string}, got ${JSON.stringify(m)}`;
    const extra = Object.keys(m).filter((k) => k !== "role" && k !== "content");
    if (extra.length > 0) return `message ${i} has unknown field(s) ${extra.join(", ")}`;
  }
  return null;
}

/** The text as one string for a featuriser: a conversation's messages as "role: content" lines. */
export function flattenText(t: Text): string {
  return typeof t === "string" ? t : t.map((m) => `${m.role}: ${m.content}`).join("\n");
}

/**
 * The implicit-prompt form split: the longest common prefix of messages of `chosen` and `rejected` is the prompt,
 * the rest of each is the response. Null when they share no prefix or one is a prefix of the other.
 */
export function splitImplicitPrompt(
  chosen: readonly Message[],
  rejected: readonly Message[],
): { prompt: Message[]; chosen: Message[]; rejected: Message[] } | null {
  let k = 0;
  while (
    k < chosen.length &&
    k < rejected.length &&
    chosen[k].role === rejected[k].role &&
    chosen[k].content === rejected[k].content
  )
    k++;
  if (k === 0 || k === chosen.length || k === rejected.length) return null;
  return { prompt: chosen.slice(0, k), chosen: chosen.slice(k), rejected: rejected.slice(k) };
}
