import type { Policy } from "@gsh/core";
import { type BanditProblem, type PreferenceDataset, defineAlgorithm, z } from "@gsh/preference";
import { type LogProbObjective, fitLogProbObjective } from "./log-prob-objective";
import { policyClass } from "./params";
import { createTrainablePolicy } from "./policy-factory";

// KTO (Ethayarajh, Xu, Muennighoff, Jurafsky, Kiela 2024, "KTO: model alignment as prospect theoretic optimization",
// arXiv 2402.01306, eq. 8): on unpaired labels (x, y, desirable?), with ρ = log π(y|x)/π_ref(y|x),
//   L = E[λ_y − v(x,y)],  v = λ_D·σ(β(ρ − z0)) if y is desirable, λ_U·σ(β(z0 − ρ)) if not,
// and the reference point z0 = KL(π‖π_ref), estimated as in the paper: the mean of log π(y′|x)/π_ref(y′|x) over
// mismatched pairs of the batch (each prompt with the next example's response), clamped at 0 and not
// back-propagated. The label model, stated: each query shows one response y ~ π0, compared under the BT oracle with a
// fresh π0 draw y′ and labelled desirable iff y wins; that is exactly the first response of an offline π0 pair with
// its label, so KTO reads the same queries as DPO (paired comparisons), one label per query, and discards y′.
// Rules fixed in advance: β = η; λ_D = λ_U = 1 (the paper's default; its guidance λ_D·n_D/(λ_U·n_U) ∈ [1, 4/3] holds
// since a π0 draw wins against another with probability 1/2); ridge l2 = 1 as DPO's. Full batch: z0 is held fixed
// during each L-BFGS fit and re-estimated between fits until it moves < 1e-9 (the stationary point of the paper's
// detached update). Variants for the diagnostics: z0 exact, and z0 differentiated (the objective as written).

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/** Unpaired labels aggregated per (x, y): desirable and undesirable counts, and the mismatched (x, y′) counts. */
export interface UnpairedLabels {
  readonly desirable: Float64Array;
  readonly undesirable: Float64Array;
  /** How often y′ was paired with prompt x in the mismatched batch estimate of z0 (X·A). */
  readonly mismatched: Float64Array;
  readonly size: number;
}

/** KTO's labels from offline π0 pairs: the first response, desirable iff it won against the second (see above). */
export function unpairedLabels(data: PreferenceDataset, contexts: number, actions: number): UnpairedLabels {
  const desirable = new Float64Array(contexts * actions);
  const undesirable = new Float64Array(contexts * actions);
  const mismatched = new Float64Array(contexts * actions);
  const n = data.size;
  for (let i = 0; i < n; i++) {
    const idx = data.context[i] * actions + data.first[i];
    if (data.label[i] === 1) desirable[idx]++;
    else undesirable[idx]++;
    mismatched[data.context[i] * actions + data.first[(i + 1) % n]]++;
  }
  return { desirable, undesirable, mismatched, size: n };
}

/** How z0 is obtained: the paper's mismatched-batch estimate (clamped at 0), or KL(π‖π0) exactly. */
export type ReferencePoint = "batch" | "exact";

export interface KtoSettings {
  readonly beta: number;
  readonly desirableWeight: number;
  readonly undesirableWeight: number;
}

/** E_x KL(π‖π0) with the prompt weights. */
function exactKl(pi: Policy, reference: Policy, weights: Float64Array): number {
  const A = pi.actions;
  let kl = 0;
  for (let x = 0; x < pi.contexts; x++)
    for (let a = 0; a < A; a++) {
      const p = pi.probs[x * A + a];
      if (p > 0) kl += weights[x] * p * (Math.log(p) - Math.log(reference.probs[x * A + a]));
    }
  return kl;
}

/** z0 of the policy: the batch estimate max(0, mean log π/π0 over mismatched pairs), or the exact KL. */
export function referencePoint(
  pi: Policy,
  problem: Pick<BanditProblem, "reference" | "contextWeights">,
  labels: UnpairedLabels,
  mode: ReferencePoint,
): number {
  if (mode === "exact") return exactKl(pi, problem.reference, problem.contextWeights);
  let s = 0;
  for (let i = 0; i < labels.mismatched.length; i++) {
    const m = labels.mismatched[i];
    if (m > 0) s += m * (Math.log(pi.probs[i]) - Math.log(problem.reference.probs[i]));
  }
  return Math.max(0, s / Math.max(1, labels.size));
}

const sigmoidSlope = (t: number) => {
  const s = 1 / (1 + Math.exp(-t));
  return s * (1 - s);
};

/**
 * Σ_{x,y} n_D·λ_D·(1 − σ(β(ρ − z0))) + n_U·λ_U·(1 − σ(β(z0 − ρ))) with its gradient in log π. `z0` a number: held
 * fixed (the paper's detached reference point); "exact": z0 = KL(π‖π0) of the same π, differentiated.
 */
export function ktoObjective(
  labels: UnpairedLabels,
  problem: Pick<BanditProblem, "reference" | "contextWeights">,
  settings: KtoSettings,
  z0: number | "exact",
): LogProbObjective {
  const { beta, desirableWeight: lD, undesirableWeight: lU } = settings;
  const ref = problem.reference.probs;
  return (pi, C) => {
    const p = pi.probs;
    const r0 = z0 === "exact" ? exactKl(pi, problem.reference, problem.contextWeights) : z0;
    let total = 0;
    let dz0 = 0;
    for (let i = 0; i < p.length; i++) {
      const nD = labels.desirable[i];
      const nU = labels.undesirable[i];
      if (nD === 0 && nU === 0) continue;
      const rho = Math.log(p[i]) - Math.log(ref[i]);
      const t = beta * (rho - r0);
      // 1 − σ(t) = σ(−t); d/dt: −σ′(t) for the desirable, +σ′(t) for the undesirable term
      const sD = 1 / (1 + Math.exp(t));
      total += nD * lD * sD + nU * lU * (1 - sD);
      const d = beta * sigmoidSlope(t) * (nU * lU - nD * lD);
      C[i] += d;
      dz0 -= d;
    }
    if (z0 === "exact") {
      // ∂KL/∂log π(a|x) = w_x·π(a|x)·(log π/π0 + 1) (the +1 vanishes through the normaliser)
      const A = pi.actions;
      for (let i = 0; i < p.length; i++)
        if (p[i] > 0)
          C[i] += dz0 * problem.contextWeights[Math.floor(i / A)] * p[i] * (Math.log(p[i]) - Math.log(ref[i]) + 1);
    }
    return total;
  };
}

/** What a KTO fit reports. */
export interface KtoResult {
  readonly policy: Policy;
  readonly z0: number;
  readonly outerIterations: number;
  readonly steps: number;
  readonly converged: boolean;
}

/**
 * KTO on unpaired labels for a finite problem: L-BFGS from π0 with z0 held fixed, z0 re-estimated from the fitted
 * policy, until it moves < 1e-9 (at most 50 rounds); with `differentiate`, z0 = KL(π‖π0) inside the objective.
 */
export function kto(
  problem: BanditProblem,
  labels: UnpairedLabels,
  options: {
    readonly policy?: "log-linear" | "tabular";
    readonly l2?: number;
    readonly referencePoint?: ReferencePoint;
    readonly differentiate?: boolean;
    readonly settings?: Partial<KtoSettings>;
    readonly gradientTolerance?: number;
  } = {},
): KtoResult {
  const model = createTrainablePolicy(options.policy ?? "log-linear", problem);
  const settings: KtoSettings = { beta: problem.eta, desirableWeight: 1, undesirableWeight: 1, ...options.settings };
  const l2 = options.l2 ?? 1;
  const opt = { gradientTolerance: options.gradientTolerance ?? 1e-8 };
  if (options.differentiate) {
    const r = fitLogProbObjective(model, ktoObjective(labels, problem, settings, "exact"), l2, opt);
    const policy = model.distribution();
    const z0 = referencePoint(policy, problem, labels, "exact");
    return { policy, z0, outerIterations: 1, steps: r.steps, converged: r.converged };
  }
  const mode = options.referencePoint ?? "batch";
  let z0 = referencePoint(model.distribution(), problem, labels, mode);
  let steps = 0;
  let converged = false;
  for (let round = 1; round <= 50; round++) {
    const r = fitLogProbObjective(model, ktoObjective(labels, problem, settings, z0), l2, opt);
    steps += r.steps;
    const next = referencePoint(model.distribution(), problem, labels, mode);
    const moved = Math.abs(next - z0);
    z0 = next;
    if (moved < 1e-9) {
      converged = r.converged;
      return { policy: model.distribution(), z0, outerIterations: round, steps, converged };
    }
  }
  return { policy: model.distribution(), z0, outerIterations: 50, steps, converged };
}

/** The `kto` algorithm: KTO on the unpaired labels of `budget` queries (label model above), reference π0. */
export const ktoAlgorithm = defineAlgorithm({
  name: "kto",
  track: "practical",
  description:
    "KTO (Ethayarajh et al. 2024) on unpaired labels: y ~ π0 desirable iff it beats a fresh π0 draw; z0 as in the paper",
  params: z
    .object({
      policy: policyClass,
      l2: z.number().min(0).default(1),
      /** "batch": the paper's mismatched-pair estimate (clamped, detached); "exact": KL(π‖π0), detached. */
      referencePoint: z.enum(["batch", "exact"]).default("batch"),
      desirableWeight: z.number().positive().default(1),
      undesirableWeight: z.number().positive().default(1),
    })
    .strict(),
  supports: ["bandit"],
  run(ctx, p) {
    const { contexts, actions } = ctx.problem;
    const labels = unpairedLabels(ctx.offlineData(ctx.budget), contexts, actions);
    const r = kto(ctx.problem, labels, {
      policy: p.policy,
      l2: p.l2,
      referencePoint: p.referencePoint,
      settings: { desirableWeight: p.desirableWeight, undesirableWeight: p.undesirableWeight },
    });
    return {
      policy: r.policy,
      costs: { gradientSteps: r.steps },
      diagnostics: { z0: r.z0, z0Rounds: r.outerIterations, converged: r.converged },
    };
  },
});
