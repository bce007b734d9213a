import type { ClaimStatus } from "./aggregate";
import { type ClaimLine, type Headline, type HeadlineCell, formatShareCell, shareColour } from "./headline";

const MARK_BEST = "★";
const MARK_TIE = "≈";

const mark = (c: { best: boolean; tie: boolean }) => (c.best ? ` ${MARK_BEST}` : c.tie ? ` ${MARK_TIE}` : "");

/** The headline's explanation, one sentence a reader needs before the numbers. */
export function headlineExplanation(h: Headline): string {
  const budgets = [...new Set(h.environments.map((e) => h.budgets.get(e)))];
  const at = budgets.length === 1 ? `${budgets[0]} queries` : "each environment's largest budget";
  return (
    `Share of π0's gap closed at ${at}, 1 − SubOpt/SubOpt(π0) per seed: 100% is π*, 0% is π0, negative is worse than π0; ` +
    `mean ± 95% t half-width (points) over ${h.seeds} seed${h.seeds === 1 ? "" : "s"}. ` +
    (h.seeds < 2
      ? "1 seed: no verdict possible, so no best is marked."
      : `${MARK_BEST} best mean of the column; ${MARK_TIE} not separable from it by the verdict rule (paired by seed: gain > 2 SE and ≥ 10%).`) +
    " A budget in brackets: the algorithm ran only up to it (not ranked)." +
    (h.cells.some((c) => !c.share)
      ? " Rows written before SubOpt(π0) was recorded show their mean SubOpt instead."
      : "")
  );
}

const cellAt = (h: Headline, env: string, alg: string) =>
  h.cells.find((c) => c.environment === env && c.algorithm === alg);

const cellText = (h: Headline, c: HeadlineCell | undefined) =>
  !c
    ? ""
    : (c.share ? formatShareCell(c.share) : `SubOpt ${c.subopt.mean.toPrecision(3)}`) +
      (c.budget !== h.budgets.get(c.environment) ? ` [${c.budget}]` : "") +
      mark(c);

/** The headline matrix as an HTML table (algorithms × environments), coloured on a diverging scale. */
export function headlineHtml(h: Headline, esc: (s: string) => string): string {
  if (!h.cells.length && !h.nonTransitive.length) return "";
  const head = `<tr><th>algorithm</th>${h.environments.map((e) => `<th>${esc(e)}<br><span class="budget">${h.budgets.get(e)} queries</span></th>`).join("")}</tr>`;
  const body = h.algorithms
    .map((alg) => {
      const tds = h.environments.map((env) => {
        const c = cellAt(h, env, alg);
        if (!c) return `<td class="empty"></td>`;
        const { background, text } = shareColour(c.share ? c.share.mean : NaN);
        const title = [
          `${alg} on ${env} at ${c.budget} queries`,
          c.share ? `share of π0's gap closed ${formatShareCell(c.share)} (n = ${c.share.n})` : "",
          `SubOpt ${c.subopt.mean.toPrecision(4)}${c.referenceSubopt !== null ? `, SubOpt(π0) ${c.referenceSubopt.toPrecision(4)}` : ""}`,
          c.best ? "best mean of the column" : c.tie ? "not separable from the best by the verdict rule" : "",
        ]
          .filter(Boolean)
          .join("\n");
        const cls = c.best ? "best" : c.tie ? "tie" : "";
        return `<td class="${cls}" style="background:${background};color:${text}" title="${esc(title)}" data-share="${c.share ? c.share.mean : ""}">${esc(cellText(h, c))}</td>`;
      });
      return `<tr><th scope="row">${esc(alg)}</th>${tds.join("")}</tr>`;
    })
    .join("");
  const matrix = h.cells.length
    ? `<table class="headline" id="headline-matrix"><thead>${head}</thead><tbody>${body}</tbody></table>`
    : "";
  const nt = h.nonTransitive.length
    ? `<table class="headline nt" id="headline-nontransitive"><thead><tr><th>algorithm</th>${[...new Set(h.nonTransitive.map((c) => c.environment))].map((e) => `<th>${esc(e)}: win rate vs π0<br><span class="budget">${h.budgets.get(e)} queries</span></th>`).join("")}</tr></thead><tbody>${[
        ...new Set(h.nonTransitive.map((c) => c.algorithm)),
      ]
        .map(
          (alg) =>
            `<tr><th scope="row">${esc(alg)}</th>${[...new Set(h.nonTransitive.map((c) => c.environment))]
              .map((env) => {
                const c = h.nonTransitive.find((x) => x.environment === env && x.algorithm === alg);
                return c
                  ? `<td class="${c.best ? "best" : c.tie ? "tie" : ""}">${esc(formatShareCell(c.winRate) + (c.budget !== h.budgets.get(env) ? ` [${c.budget}]` : "") + mark(c))}</td>`
                  : `<td class="empty"></td>`;
              })
              .join("")}</tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  return `${matrix}${nt}<p class="note">${esc(headlineExplanation(h))}${h.nonTransitive.length ? " Non-transitive environments have no r*, so no SubOpt: their table gives the win rate against π0 (higher is better), ranked the same way." : ""}</p>`;
}

/**
 * Lays out a table in blocks of columns that fit `width` characters: the first column (names) repeats in each
 * block. Numbers right-aligned.
 */
export function fitTable(header: readonly string[], body: readonly (readonly string[])[], width = 120): string {
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const blocks: number[][] = [];
  let cur: number[] = [];
  let used = w[0];
  for (let i = 1; i < header.length; i++) {
    if (cur.length && used + 2 + w[i] > width) {
      blocks.push(cur);
      cur = [];
      used = w[0];
    }
    cur.push(i);
    used += 2 + w[i];
  }
  if (cur.length) blocks.push(cur);
  const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const nameWidth = Math.min(w[0], width - 2 - Math.max(...w.slice(1), 0));
  return blocks
    .map((cols) => {
      const line = (r: readonly string[]) =>
        [cut(r[0] ?? "", nameWidth).padEnd(nameWidth), ...cols.map((i) => (r[i] ?? "").padStart(w[i]))]
          .join("  ")
          .trimEnd();
      return [
        line(header),
        [nameWidth, ...cols.map((i) => w[i])].map((x) => "-".repeat(x)).join("  "),
        ...body.map(line),
      ].join("\n");
    })
    .join("\n\n");
}

/** The headline as plain text, at most `width` columns. */
export function headlineText(h: Headline, width = 120): string {
  const parts: string[] = [];
  if (h.cells.length) {
    const header = ["share of π0's gap closed", ...h.environments];
    const body = h.algorithms.map((alg) => [alg, ...h.environments.map((env) => cellText(h, cellAt(h, env, alg)))]);
    parts.push(fitTable(header, body, width));
  }
  if (h.nonTransitive.length) {
    const envs = [...new Set(h.nonTransitive.map((c) => c.environment))];
    const algs = [...new Set(h.nonTransitive.map((c) => c.algorithm))];
    const body = algs.map((alg) => [
      alg,
      ...envs.map((env) => {
        const c = h.nonTransitive.find((x) => x.environment === env && x.algorithm === alg);
        return c
          ? formatShareCell(c.winRate) + (c.budget !== h.budgets.get(env) ? ` [${c.budget}]` : "") + mark(c)
          : "";
      }),
    ]);
    parts.push(fitTable(["win rate vs π0 (no r*)", ...envs], body, width));
  }
  return wrap(headlineExplanation(h), width) + "\n\n" + parts.join("\n\n");
}

/** Greedy word wrap at `width` columns. */
export function wrap(text: string, width = 120): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

const STATUS_MARK: Record<ClaimStatus, string> = { holds: "✓ holds", fails: "✗ fails", undetermined: "? undetermined" };

/** The claims (comparisons with an expected side) as an HTML table: per environment at its largest budget. */
export function claimsHtml(lines: readonly ClaimLine[], seeds: number, esc: (s: string) => string): string {
  if (!lines.length)
    return `<p class="note" id="claims-list">${seeds < 2 ? "1 seed: no verdict possible, so no claim is decided." : "No comparison declares an expected side."}</p>`;
  const envs = [...new Set(lines.flatMap((l) => [...l.atLargest.keys()]))];
  const head = `<tr><th>claim (expected winner)</th>${envs.map((e) => `<th>${esc(e)}</th>`).join("")}<th>all budgets</th></tr>`;
  const body = lines
    .map((l) => {
      const claim = l.expected === "A" ? `${l.a} beats ${l.b}` : `${l.b} beats ${l.a}`;
      const tds = envs.map((e) => {
        const s = l.atLargest.get(e);
        return s
          ? `<td class="claim ${s.status}" title="${esc(`${claim} on ${e} at ${s.budget} queries: ${s.status}`)}">${esc(STATUS_MARK[s.status])}</td>`
          : `<td class="empty"></td>`;
      });
      const c = l.counts;
      return `<tr><th scope="row" title="${esc(l.note ?? "")}">${esc(claim)}</th>${tds.join("")}<td>${c.holds} holds, ${c.fails} fails, ${c.undetermined} undetermined</td></tr>`;
    })
    .join("");
  return `<table class="claims" id="claims-list"><thead>${head}</thead><tbody>${body}</tbody></table><p class="note">The paper's claims, decided by the verdict rule at each environment's largest budget (the last column counts every budget): holds where the expected side beats the other, fails where the other side does, undetermined where neither does. The forest plots below show every budget.</p>`;
}

/** The claims as plain text: one line per claim and environment at its largest budget, then the counts. */
export function claimsText(lines: readonly ClaimLine[], seeds: number, width = 120): string {
  if (!lines.length)
    return seeds < 2 ? "Claims: 1 seed: no verdict possible." : "Claims: no comparison declares an expected side.";
  const out = ["Claims of the paper (verdict rule at each environment's largest budget; counts over every budget):"];
  for (const l of lines) {
    const claim = l.expected === "A" ? `${l.a} beats ${l.b}` : `${l.b} beats ${l.a}`;
    const per = [...l.atLargest].map(([e, s]) => `${e}: ${s.status}`).join("; ");
    out.push(
      wrap(
        `- ${claim} — ${per} (all budgets: ${l.counts.holds} holds, ${l.counts.fails} fails, ${l.counts.undetermined} undetermined)`,
        width,
      ).replace(/\n/g, "\n  "),
    );
  }
  return out.join("\n");
}
