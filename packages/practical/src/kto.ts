import type { Policy } from "@gsh/core";
import {
  type BanditProblem,
  type PreferenceDataset,
  type SequenceOfflineData,
  type SequencePolicy,
  type SequenceProblem,
  defineAlgorithm,
  gibbsSequencePolicy,
  z,
} from "@gsh/preference";
import { type LogProbObjective, fitLogProbObjective } from "./log-prob-objective";
import { policyClass, policyUnsupported } from "./params";
import { type SequenceObjective, fitSequenceObjective, logLinearSequenceMoments } from "./sequence/log-linear-moments";
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
  const r = referencePointFixedPoint(
    () => referencePoint(model.distribution(), problem, labels, mode),
    (z0) => fitLogProbObjective(model, ktoObjective(labels, problem, settings, z0), l2, opt),
  );
  return { policy: model.distribution(), ...r };
}

/**
 * The paper's detached reference point, in full batch: fit with z0 held fixed, re-estimate z0 from the fitted policy,
 * until it moves < 1e-9 (at most 50 rounds).
 */
function referencePointFixedPoint(
  estimate: () => number,
  fit: (z0: number) => { readonly steps: number; readonly converged: boolean },
): Omit<KtoResult, "policy"> {
  let z0 = estimate();
  let steps = 0;
  for (let round = 1; round <= 50; round++) {
    const r = fit(z0);
    steps += r.steps;
    const next = estimate();
    const moved = Math.abs(next - z0);
    z0 = next;
    if (moved < 1e-9) return { z0, outerIterations: round, steps, converged: r.converged };
  }
  return { z0, outerIterations: 50, steps, converged: false };
}

/**
 * KTO's objective for the log-linear sequence policy with z0 held fixed: Σ_i of the value terms above at
 * ρ_i = <w, φ(y_i)>/η − log Z_w(x_i), y_i the first response of record i, desirable iff it won.
 */
export function sequenceKtoObjective(
  data: PreferenceDataset,
  eta: number,
  settings: KtoSettings,
  z0: number,
): SequenceObjective {
  const d = data.featureDim;
  const f = data.firstFeatures;
  const { beta, desirableWeight: lD, undesirableWeight: lU } = settings;
  return (w, m, grad) => {
    let total = 0;
    for (let i = 0; i < data.size; i++) {
      const x = data.context[i];
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k] * f[i * d + k];
      const t = beta * (s / eta - m.logZ[x] - z0);
      const sD = 1 / (1 + Math.exp(t));
      const desirable = data.label[i] === 1;
      total += desirable ? lD * sD : lU * (1 - sD);
      const c = (beta * sD * (1 - sD) * (desirable ? -lD : lU)) / eta;
      for (let k = 0; k < d; k++) grad[k] += c * (f[i * d + k] - m.meanFeatures[x * d + k]);
    }
    return total;
  };
}

/**
 * KTO for the log-linear sequence policy on the same label model (the first response of each offline π0 pair, its
 * features in the record), z0 by the paper's batch estimate or exactly, detached: ρ = <w, φ(y)>/η − log Z_w(x). The
 * mismatched response of record i is record i+1's first response with prompt x_i; on the sequence testbeds φ depends on
 * the response only (ψ per bigram), so its features are its own record's.
 */
export function sequenceKto(
  problem: SequenceProblem,
  offline: SequenceOfflineData,
  options: {
    readonly l2?: number;
    readonly referencePoint?: ReferencePoint;
    readonly settings?: Partial<KtoSettings>;
  } = {},
): { policy: SequencePolicy; w: Float64Array } & Omit<KtoResult, "policy"> {
  const { data } = offline;
  const d = problem.dim;
  const n = data.size;
  const f = data.firstFeatures;
  const settings: KtoSettings = { beta: problem.eta, desirableWeight: 1, undesirableWeight: 1, ...options.settings };
  const eta = problem.eta;
  const dot = (w: Float64Array, i: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += w[k] * f[i * d + k];
    return s;
  };
  let w = new Float64Array(d);
  const estimate = () => {
    const m = logLinearSequenceMoments(problem, w);
    if (options.referencePoint === "exact") {
      let kl = 0;
      for (let x = 0; x < problem.prompts; x++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += w[k] * m.meanFeatures[x * d + k];
        kl += problem.contextWeights[x] * (s / eta - m.logZ[x]);
      }
      return kl;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += dot(w, (i + 1) % n) / eta - m.logZ[data.context[i]];
    return Math.max(0, s / Math.max(1, n));
  };
  const objective = (z0: number) => sequenceKtoObjective(data, problem.eta, settings, z0);
  const r = referencePointFixedPoint(estimate, (z0) => {
    const fit = fitSequenceObjective(problem, objective(z0), options.l2 ?? 1, w);
    w = Float64Array.from(fit.params);
    return fit;
  });
  return { policy: gibbsSequencePolicy(logLinearSequenceMoments(problem, w).policy), w, ...r };
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
  supports: ["bandit", "sequence"],
  unsupported: (shape, p) => policyUnsupported(shape, p.policy),
  run(ctx, p) {
    const options = {
      l2: p.l2,
      referencePoint: p.referencePoint,
      settings: { desirableWeight: p.desirableWeight, undesirableWeight: p.undesirableWeight },
    };
    const r =
      ctx.kind === "sequence"
        ? sequenceKto(ctx.problem, ctx.offlineData(ctx.budget), options)
        : kto(ctx.problem, unpairedLabels(ctx.offlineData(ctx.budget), ctx.problem.contexts, ctx.problem.actions), {
            ...options,
            policy: p.policy,
          });
    return {
      policy: r.policy,
      costs: { gradientSteps: r.steps },
      diagnostics: { z0: r.z0, z0Rounds: r.outerIterations, converged: r.converged },
    };
  },
});
