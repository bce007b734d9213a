import type { OkRow, ResultRow } from "./result-row";

// The policy-gradient suite's sections, read from the rows' diagnostics: the KL-configuration matrix (the exact
// audit's fixed-point SubOpt and gradient cosine per configuration × environment), and the sampled runs' SubOpt beside
// the samples they drew, with a learned reward's gap to MLE-Gibbs apart from MLE-Gibbs's own gap to π*.

const isOk = (r: ResultRow): r is OkRow => r.status === "ok";
const diag = (r: OkRow, k: string) => r.diagnostics?.[k];
const num = (v: unknown) => (typeof v === "number" ? v : NaN);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (v: number, digits = 4) =>
  !Number.isFinite(v) ? "—" : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(digits);

function halfWidth(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return (1.96 * sd) / Math.sqrt(xs.length);
}

/** One cell of the KL-configuration matrix. */
export interface KlMatrixCell {
  readonly configuration: string;
  readonly environment: string;
  /** Mean exact SubOpt of the fixed point (the audit row's policy) and its 95% half-width where estimated. */
  readonly subopt: number;
  readonly halfWidth: number;
  readonly exact: boolean;
  /** Cosine of the expected update with ∇J at the audit point (exact rows only). */
  readonly cosine: number;
  readonly objective: string;
  /** Whether the fixed point is π* (SubOpt ≤ 1e-8, exact rows). */
  readonly reachesOptimum: boolean;
  /** Whether exact expected updates converged (false: no fixed point was reached; the SubOpt is the last iterate's). */
  readonly converged: boolean;
}

/** The matrix from the `pg-audit` rows: one cell per algorithm label × environment. */
export function klConfigurationMatrix(rows: readonly ResultRow[]): KlMatrixCell[] {
  const groups = new Map<string, OkRow[]>();
  for (const r of rows.filter(isOk)) {
    if (r.algorithmName !== "pg-audit" || r.metrics.subopt === null) continue;
    const key = `${r.algorithm}\u0000${r.environment}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const r = g[0];
    const exact = diag(r, "audit/exact") === true;
    const s = g.map((x) => x.metrics.subopt as number);
    return {
      configuration: r.algorithm,
      environment: r.environment,
      subopt: mean(s),
      halfWidth: exact ? 0 : halfWidth(s),
      exact,
      cosine: exact ? num(diag(r, "audit/cosine")) : NaN,
      objective: String(diag(r, "audit/objective") ?? ""),
      reachesOptimum: exact && mean(s) <= 1e-8,
      converged: !exact || diag(r, "audit/fixedPointConverged") === true,
    };
  });
}

/** One sampled policy-gradient cell: environment × label × budget. */
export interface PgRunCell {
  readonly environment: string;
  readonly algorithm: string;
  readonly budget: number;
  readonly reward: string;
  readonly seeds: number;
  readonly subopt: number;
  readonly halfWidth: number;
  readonly samples: number;
  readonly queries: number;
  readonly gapToMleGibbs: number;
  readonly mleGibbsSubopt: number;
}

const PG_LEARNERS = new Set(["reinforce", "rloo", "grpo", "dr-grpo", "reinforce++", "ppo"]);

export function policyGradientRuns(rows: readonly ResultRow[]): PgRunCell[] {
  const groups = new Map<string, OkRow[]>();
  for (const r of rows.filter(isOk)) {
    if (!PG_LEARNERS.has(r.algorithmName) || r.metrics.subopt === null) continue;
    const key = `${r.environment}\u0000${r.algorithm}\u0000${r.budget}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const r = g[0];
    const s = g.map((x) => x.metrics.subopt as number);
    const m = (k: string) => mean(g.map((x) => num(diag(x, k))));
    return {
      environment: r.environment,
      algorithm: r.algorithm,
      budget: r.budget,
      reward: String(diag(r, "pg/reward") ?? ""),
      seeds: g.length,
      subopt: mean(s),
      halfWidth: halfWidth(s),
      samples: mean(g.map((x) => x.metrics.candidatesSampled)),
      queries: mean(g.map((x) => x.metrics.queries)),
      gapToMleGibbs: m("pg/gapToMleGibbs"),
      mleGibbsSubopt: m("pg/mleGibbsSubopt"),
    };
  });
}

/**
 * SubOpt along the training steps of finite-environment runs (the rows' training path: KL and gold reward at each
 * checkpoint), as J* − (gold − η·KL) with J* from the final metrics, against the samples drawn by then (step·P·k).
 */
export function subOptimalityAlongSamples(
  rows: readonly ResultRow[],
): { environment: string; algorithm: string; samples: number; subopt: number }[] {
  const acc = new Map<string, { environment: string; algorithm: string; samples: number; values: number[] }>();
  for (const r of rows.filter(isOk)) {
    const path = r.trainingPath;
    const m = r.metrics;
    if (!PG_LEARNERS.has(r.algorithmName) || !path || m.subopt === null || m.objective === null) continue;
    const eta = num(r.environmentParams.eta);
    const perStep = num(r.algorithmParams.promptsPerStep) * num(r.algorithmParams.samplesPerPrompt);
    const jStar = m.subopt + m.objective;
    path.step.forEach((step, i) => {
      const key = `${r.environment}\u0000${r.algorithm}\u0000${r.budget}\u0000${step}`;
      const e = acc.get(key) ?? {
        environment: r.environment,
        algorithm: `${r.algorithm} @${r.budget}`,
        samples: step * perStep,
        values: [],
      };
      e.values.push(jStar - (path.gold[i] - eta * path.kl[i]));
      acc.set(key, e);
    });
  }
  return [...acc.values()].map((e) => ({ ...e, subopt: mean(e.values) }));
}

/** The suite's sections as HTML (empty when the rows hold no policy-gradient rows). */
export function policyGradientHtml(
  rows: readonly ResultRow[],
  table: (header: readonly string[], body: readonly (readonly (string | number)[])[]) => string,
  esc: (s: string) => string,
): string {
  const matrix = klConfigurationMatrix(rows);
  const runs = policyGradientRuns(rows);
  if (!matrix.length && !runs.length) return "";
  const envs = [...new Set(matrix.map((c) => c.environment))];
  const configs = [...new Set(matrix.map((c) => c.configuration))];
  const cell = (cfg: string, env: string) => {
    const c = matrix.find((m) => m.configuration === cfg && m.environment === env);
    if (!c) return "";
    const s = c.exact ? fmt(c.subopt) : `${fmt(c.subopt)} ± ${fmt(c.halfWidth)} (est.)`;
    if (!c.exact) return s;
    const end = c.converged ? s : `none reached † (last iterate ${s})`;
    return `${end} | cos ${fmt(c.cosine, 3)}${c.reachesOptimum ? " | π*" : ""}`;
  };
  const objective = (cfg: string) => matrix.find((m) => m.configuration === cfg)?.objective ?? "";
  const along = subOptimalityAlongSamples(rows);
  const alongEnvs = [...new Set(along.map((a) => a.environment))];
  return `<h2>Policy gradient: the KL-configuration matrix</h2>
<p class="note">${esc(
    "Each cell: the exact SubOpt (at the environment's η, against its π*) of the fixed point that exact expected updates of the configuration converge to, then the cosine of the configuration's expected update with ∇J at the audit point (halfway in parameters from π0 to the class's optimum); 'π*' where the fixed point is π* (SubOpt ≤ 1e-8). Entries marked est. have no finite-sum expectation (GRPO with std normalisation, REINFORCE++, multi-epoch PPO; sequence-level k2 in the reward on sequences): they show where a sampled run with r* ends (mean ± 95% over seeds), which is a fixed point only if that run converged; with the shared optimiser's defaults a 1000-step run has not, so read them as upper bounds on the run's progress, not as fixed points. †: exact expected updates reached no fixed point: no KL term acts (η_t = 0, k1 in the loss: the flow runs to the greedy policy), or no natural-gradient step lowers the residual (the flow runs toward the boundary of the simplex); the SubOpt shown is the last iterate's, not a limit.",
  )}</p>
${table(
  ["configuration", "follows the gradient of", ...envs],
  configs.map((cfg) => [cfg, objective(cfg), ...envs.map((e) => cell(cfg, e))]),
)}
<h2>Policy gradient: sampled runs</h2>
<p class="note">${esc(
    "Final exact SubOpt (mean ± 95% over seeds) with the samples drawn (compute) and the preference queries (which paid for the reward model; 0 with r*). For a learned reward: the run's remaining gap to the MLE-Gibbs policy π0·exp(r̂/η) under r̂, and MLE-Gibbs's own SubOpt (the statistical part), reported apart.",
  )}</p>
${table(
  [
    "environment",
    "run",
    "budget",
    "reward",
    "seeds",
    "SubOpt",
    "samples drawn",
    "queries",
    "gap to MLE-Gibbs (under r̂)",
    "SubOpt of MLE-Gibbs",
  ],
  runs.map((c) => [
    c.environment,
    c.algorithm,
    c.budget,
    c.reward,
    c.seeds,
    `${fmt(c.subopt)} ± ${fmt(c.halfWidth)}`,
    c.samples.toFixed(0),
    c.queries.toFixed(0),
    fmt(c.gapToMleGibbs),
    fmt(c.mleGibbsSubopt),
  ]),
)}
${
  along.length
    ? `<h2>Policy gradient: SubOpt vs samples drawn (finite environments, training path)</h2>${alongEnvs
        .map((env) => {
          const here = along.filter((a) => a.environment === env);
          const samples = [...new Set(here.map((a) => a.samples))].sort((a, b) => a - b);
          const labels = [...new Set(here.map((a) => a.algorithm))];
          return `<h3>${esc(env)}</h3>${table(
            ["run", ...samples.map((s) => String(s))],
            labels.map((l) => [
              l,
              ...samples.map((s) => {
                const a = here.find((x) => x.algorithm === l && x.samples === s);
                return a ? fmt(a.subopt, 3) : "";
              }),
            ]),
          )}`;
        })
        .join("\n")}`
    : ""
}`;
}
