import { type Policy, type Rng, gibbsPolicy, klToReference, linearReward, softmaxInto } from "@gsh/core";
import type { BanditProblem } from "@gsh/preference";
import { type LossSpec, dpoOnlyWeight, dpoTerm, pairLoss } from "./losses";
import type { PairBatch } from "./pairs-data";

/**
 * What every finite-action policy model offers, however it is trained: the exact distribution over every (x, a),
 * which the environment boundary scores, and log π(a | x). The f64 policies below also implement
 * `TrainablePolicy`; the TF.js `NeuralBanditPolicy` ("@gsh/practical/neural") implements only this, because it
 * trains by minibatch Adam in f32 and has no full-batch f64 objective or flat parameter vector.
 */
export interface BanditPolicyModel {
  readonly kind: string;
  readonly problem: BanditProblem;
  /** The current policy over every (x, a): exact, for evaluation at the environment boundary. */
  distribution(): Policy;
  /** log π(a | x). */
  logProb(x: number, a: number): number;
}

/**
 * A policy trained by the full-batch f64 objectives: sampling, flat parameters (for L-BFGS or Adam), and the
 * pairwise-loss objective with its gradient.
 */
export interface TrainablePolicy extends BanditPolicyModel {
  /** Number of parameters. */
  readonly size: number;
  getParameters(): Float64Array;
  setParameters(p: Float64Array): void;
  sample(x: number, rng: Rng): number;
  /**
   * Σ_pairs ℓ(h_i, g_i) + (l2/2)‖params‖², with h measured against `reference` (π0 unless a moving reference is
   * given); writes the gradient into `grad`.
   */
  objective(
    pairs: PairBatch,
    loss: LossSpec,
    eta: number,
    l2: number,
    grad: Float64Array | null,
    reference?: Policy,
  ): number;
}

/**
 * One pair's loss value and ∂ℓ/∂h + ∂ℓ/∂g into `out`: `dpoTerm` for DPO alone (no object per pair), else `pairLoss`.
 * g = log π(a^w) − log π(a^l) is read only by the unnormalized hinge: callers compute it only for such a loss
 * (`readsG`), and pass 0 otherwise.
 */
function pairTerms(
  loss: LossSpec,
  dpoWeight: number | null,
  eta: number,
  h: number,
  g: number,
  margin: number,
  out: Float64Array,
): void {
  if (dpoWeight !== null) {
    dpoTerm(dpoWeight, eta, h, margin, out);
    out[1] = out[1] + 0; // pairLoss's dh + dg with dg = 0
    return;
  }
  const lv = pairLoss(loss, eta, h, g, margin);
  out[0] = lv.value;
  out[1] = lv.dh + lv.dg;
}
const terms = new Float64Array(2);
const readsG = (loss: LossSpec) => loss.some((l) => l.loss.kind === "hinge");

/** log π_ref(a|x) − log π0(a|x): zero for the fixed reference. */
function referenceShift(problem: BanditProblem, reference: Policy | undefined, x: number, a: number): number {
  if (!reference) return 0;
  const i = x * problem.actions + a;
  return Math.log(reference.probs[i]) - Math.log(problem.reference.probs[i]);
}

/** What both f64 policies share: flat parameters, a cached exact distribution, log-probabilities and sampling. */
export abstract class FinitePolicy implements TrainablePolicy {
  abstract readonly kind: string;
  readonly size: number;
  protected readonly params: Float64Array;
  private cache: Policy | null = null;

  constructor(
    readonly problem: BanditProblem,
    size: number,
    init?: Float64Array,
  ) {
    this.size = size;
    this.params = init ? Float64Array.from(init) : new Float64Array(size);
  }

  /** The exact distribution for the current parameters. */
  protected abstract compute(): Policy;
  abstract objective(
    pairs: PairBatch,
    loss: LossSpec,
    eta: number,
    l2: number,
    grad: Float64Array | null,
    reference?: Policy,
  ): number;

  getParameters(): Float64Array {
    return Float64Array.from(this.params);
  }
  setParameters(p: Float64Array): void {
    this.params.set(p);
    this.cache = null;
  }
  distribution(): Policy {
    if (!this.cache) this.cache = this.compute();
    return this.cache;
  }
  logProb(x: number, a: number): number {
    return Math.log(this.distribution().probs[x * this.problem.actions + a]);
  }
  sample(x: number, rng: Rng): number {
    const A = this.problem.actions;
    return rng.categorical(this.distribution().probs, x * A, A);
  }
  protected ridge(l2: number): number {
    let r = 0;
    for (let i = 0; i < this.size; i++) r += this.params[i] * this.params[i];
    return 0.5 * l2 * r;
  }
}

/**
 * The log-linear policy π_w ∝ π0·exp(<w, φ>/η). It contains π* (w = θ*), and its DPO margin is exact and cheap:
 * h = <w, φ(x,a^w) − φ(x,a^l)>/η (the normalizer cancels), so DPO on it is the BT likelihood in w.
 */
export class LogLinearPolicy extends FinitePolicy {
  readonly kind = "log-linear";

  constructor(problem: BanditProblem, init?: Float64Array) {
    super(problem, problem.dim, init);
  }

  protected compute(): Policy {
    return gibbsPolicy(this.problem.reference, linearReward(this.problem.features, this.params), this.problem.eta)
      .policy;
  }

  objective(
    pairs: PairBatch,
    loss: LossSpec,
    eta: number,
    l2: number,
    grad: Float64Array | null,
    reference?: Policy,
  ): number {
    const { features, dim: d, actions: A, eta: etaPolicy } = this.problem;
    const v = features.values;
    const w = this.params;
    if (grad) for (let k = 0; k < d; k++) grad[k] = l2 * w[k];
    const dpo = dpoOnlyWeight(loss);
    const withG = readsG(loss);
    let total = 0;
    for (let i = 0; i < pairs.size; i++) {
      const x = pairs.contexts[i];
      const fw = (x * A + pairs.chosen[i]) * d;
      const fl = (x * A + pairs.rejected[i]) * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k] * (v[fw + k] - v[fl + k]);
      s /= etaPolicy;
      const g = withG
        ? s +
          (Math.log(this.problem.reference.probs[x * A + pairs.chosen[i]]) -
            Math.log(this.problem.reference.probs[x * A + pairs.rejected[i]]))
        : 0;
      const h =
        s -
        (referenceShift(this.problem, reference, x, pairs.chosen[i]) -
          referenceShift(this.problem, reference, x, pairs.rejected[i]));
      pairTerms(loss, dpo, eta, h, g, pairs.margins[i], terms);
      const m = pairs.weights[i];
      total += m * terms[0];
      if (grad) {
        const c = (m * terms[1]) / etaPolicy;
        if (c !== 0) for (let k = 0; k < d; k++) grad[k] += c * (v[fw + k] - v[fl + k]);
      }
    }
    return total + this.ridge(l2);
  }
}

/**
 * The tabular policy: logits ℓ(x, a) = log π0(a|x) + δ(x, a), trained through δ (which starts at 0, so the policy
 * starts exactly at π0). Actions with π0 = 0 stay at probability 0.
 */
export class TabularPolicy extends FinitePolicy {
  readonly kind = "tabular";

  constructor(problem: BanditProblem, init?: Float64Array) {
    super(problem, problem.contexts * problem.actions, init);
  }

  protected compute(): Policy {
    const { contexts: X, actions: A } = this.problem;
    const probs = new Float64Array(X * A);
    for (let i = 0; i < X * A; i++) {
      const p0 = this.problem.reference.probs[i];
      probs[i] = p0 > 0 ? Math.log(p0) + this.params[i] : -Infinity;
    }
    for (let x = 0; x < X; x++) softmaxInto(probs, probs, x * A, A);
    return { contexts: X, actions: A, probs };
  }

  objective(
    pairs: PairBatch,
    loss: LossSpec,
    eta: number,
    l2: number,
    grad: Float64Array | null,
    reference?: Policy,
  ): number {
    const A = this.problem.actions;
    const dl = this.params;
    if (grad) for (let i = 0; i < this.size; i++) grad[i] = l2 * dl[i];
    const dpo = dpoOnlyWeight(loss);
    const withG = readsG(loss);
    let total = 0;
    for (let i = 0; i < pairs.size; i++) {
      const x = pairs.contexts[i];
      const iw = x * A + pairs.chosen[i];
      const il = x * A + pairs.rejected[i];
      const s = dl[iw] - dl[il];
      const g = withG
        ? s + (Math.log(this.problem.reference.probs[iw]) - Math.log(this.problem.reference.probs[il]))
        : 0;
      const h =
        s -
        (referenceShift(this.problem, reference, x, pairs.chosen[i]) -
          referenceShift(this.problem, reference, x, pairs.rejected[i]));
      pairTerms(loss, dpo, eta, h, g, pairs.margins[i], terms);
      const m = pairs.weights[i];
      total += m * terms[0];
      if (grad) {
        const c = m * terms[1];
        grad[iw] += c;
        grad[il] -= c;
      }
    }
    return total + this.ridge(l2);
  }
}

/** The familiar training metrics (TRL's names), computed on the training pairs, plus the exact KL to π0. */
export interface TrainingMetrics {
  readonly "rewards/chosen": number;
  readonly "rewards/rejected": number;
  readonly "rewards/margins": number;
  readonly "rewards/accuracies": number;
  /** Exact E_x KL(π‖π0) (TRL estimates this from samples; here it is computed). */
  readonly "objective/kl": number;
}

/** Implicit rewards η·log(π/π_ref) of chosen and rejected responses over the pairs. */
export function trainingMetrics(
  policy: Pick<TrainablePolicy, "problem" | "logProb" | "distribution">,
  pairs: PairBatch,
  eta: number,
  reference?: Policy,
): TrainingMetrics {
  const { problem } = policy;
  const ref = reference ?? problem.reference;
  const A = problem.actions;
  let c = 0,
    r = 0,
    acc = 0,
    n = 0;
  for (let i = 0; i < pairs.size; i++) {
    const x = pairs.contexts[i];
    const rc = eta * (policy.logProb(x, pairs.chosen[i]) - Math.log(ref.probs[x * A + pairs.chosen[i]]));
    const rr = eta * (policy.logProb(x, pairs.rejected[i]) - Math.log(ref.probs[x * A + pairs.rejected[i]]));
    const m = pairs.weights[i];
    c += m * rc;
    r += m * rr;
    if (rc > rr) acc += m;
    n += m;
  }
  n = Math.max(1, n);
  return {
    "rewards/chosen": c / n,
    "rewards/rejected": r / n,
    "rewards/margins": (c - r) / n,
    "rewards/accuracies": acc / n,
    "objective/kl": klToReference(policy.distribution(), problem.reference, problem.contextWeights),
  };
}
