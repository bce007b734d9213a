import * as E from "fp-ts/lib/Either";
import { type GshError, invalidArgument } from "@gsh/core";
import type { UserPolicy } from "./policy";
import type { UserProblem } from "./problem";

/** A row for TRL's DPOTrainer: texts as the data file gave them (strings, or lists of messages). */
export interface DpoRow {
  readonly prompt: unknown;
  readonly chosen: unknown;
  readonly rejected: unknown;
}

function texts(p: UserProblem): E.Either<GshError, { prompts: readonly unknown[]; candidates: readonly unknown[] }> {
  if (
    !p.promptTexts ||
    !p.candidateTexts ||
    p.promptTexts.some((t) => t == null) ||
    p.candidateTexts.some((t) => t == null)
  )
    return E.left(
      invalidArgument(
        "data",
        "DPO rows need every prompt's and candidate's text: use a file made by `gsh embed`, the pairs layout, or give `text` fields",
      ),
    );
  return E.right({ prompts: p.promptTexts, candidates: p.candidateTexts });
}

/**
 * DPO rows from the file's labelled pairs: each pair oriented by its label (p > ½ keeps it, p < ½ swaps it); ties and
 * p = ½ carry no preference and are left out.
 */
export function labelledDpoRows(p: UserProblem): E.Either<GshError, DpoRow[]> {
  const t = texts(p);
  if (E.isLeft(t)) return t;
  const promptOf = new Int32Array(p.candidates.length);
  for (let x = 0; x < p.prompts.length; x++) promptOf.fill(x, p.promptStart[x], p.promptStart[x + 1]);
  const rows: DpoRow[] = [];
  for (let i = 0; i < p.chosen.length; i++) {
    const label = p.labels?.[i] ?? 1;
    if (p.ties?.[i] || label === 0.5) continue;
    const [w, l] = label > 0.5 ? [p.chosen[i], p.rejected[i]] : [p.rejected[i], p.chosen[i]];
    rows.push({ prompt: t.right.prompts[promptOf[w]], chosen: t.right.candidates[w], rejected: t.right.candidates[l] });
  }
  return E.right(rows);
}

/**
 * DPO rows ranked by a policy: per prompt with two or more candidates, its most probable candidate under π̂ as chosen
 * and its least probable as rejected (the first in file order on equal probabilities).
 */
export function rankedDpoRows(p: UserProblem, policy: UserPolicy): E.Either<GshError, DpoRow[]> {
  const t = texts(p);
  if (E.isLeft(t)) return t;
  const rows: DpoRow[] = [];
  for (let x = 0; x < p.prompts.length; x++) {
    const s = p.promptStart[x],
      e = p.promptStart[x + 1];
    if (e - s < 2) continue;
    let best = s,
      worst = s;
    for (let c = s + 1; c < e; c++) {
      if (policy.rows[c].probability > policy.rows[best].probability) best = c;
      if (policy.rows[c].probability < policy.rows[worst].probability) worst = c;
    }
    if (best === worst) worst = best === s ? s + 1 : s;
    rows.push({ prompt: t.right.prompts[x], chosen: t.right.candidates[best], rejected: t.right.candidates[worst] });
  }
  return E.right(rows);
}
