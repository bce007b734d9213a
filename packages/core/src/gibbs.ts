import { GshException, assertDims, invalidArgument, type GshError, getOrThrow } from "./errors";
import * as E from "fp-ts/lib/Either";
import { softmaxInto } from "./numerics";
import { type Policy, kl, uniformWeights } from "./policy";
import { type KernelExports, wasmKernels, withWasm } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/** The Gibbs policy of a reward together with its per-context log-normalizers. */
export interface GibbsResult {
  readonly policy: Policy;
  /** log Z_r(x) = log Σ_a π0(a|x)·exp(r(x,a)/η), per context. */
  readonly logZ: Float64Array;
}

/** Refuses η ≤ 0 (and non-finite η) with a typed error. */
export function validateEta(eta: number): E.Either<GshError, number> {
  return eta > 0 && Number.isFinite(eta)
    ? E.right(eta)
    : E.left(invalidArgument("eta", `the KL coefficient η must be a finite number > 0, got ${eta}`));
}

/**
 * Checks row x of π0 and r (probabilities, finite rewards, some support; typed errors naming the entry) and returns
 * max_a |r(x, a)|, which says whether r/η can overflow.
 */
function checkedRowMaxAbs(pi0: Policy, reward: Float64Array, x: number): number {
  const A = pi0.actions;
  const o = x * A;
  let support = false;
  let big = 0;
  for (let a = 0; a < A; a++) {
    const p0 = pi0.probs[o + a];
    const r = reward[o + a];
    if (!(p0 >= 0) || p0 === Infinity)
      throw new GshException(invalidArgument("pi0", `π0(${a}|${x}) = ${p0} is not a probability`));
    if (Number.isNaN(r) || !Number.isFinite(r))
      throw new GshException(invalidArgument("reward", `r(${x}, ${a}) = ${r} is not a finite number`));
    if (p0 > 0) support = true;
    big = Math.max(big, Math.abs(r));
  }
  if (!support) throw new GshException(invalidArgument("pi0", `π0 has no support at context ${x}`));
  return big;
}

// Below this many entries the copies into the WebAssembly kernels' memory cost more than the exponentials.
const WASM_MIN_ENTRIES = 4096;

/**
 * The common case of `gibbsPolicy` in the WebAssembly kernels (SIMD log and exp, one copy in and out): every
 * entry validated first; returns false, leaving the work to the TypeScript path, when some |r|/η is large enough
 * to overflow (that path redoes such rows shifted by their maximum).
 */
function gibbsRowsInWasm(
  w: KernelExports,
  pi0: Policy,
  reward: Float64Array,
  invEta: number,
  probs: Float64Array,
  logZ: Float64Array,
): boolean {
  const { contexts: X, actions: A } = pi0;
  for (let x = 0; x < X; x++) if (checkedRowMaxAbs(pi0, reward, x) * invEta >= 1e300) return false;
  withWasm(w, (s) => {
    const out = s.alloc(X * A);
    const lz = s.alloc(X);
    w.gibbsRows(s.copyIn(pi0.probs, X * A), s.copyIn(reward, X * A), invEta, X, A, out, lz);
    probs.set(s.f64(out, X * A));
    logZ.set(s.f64(lz, X));
  });
  return true;
}

/**
 * `π_r(a|x) = π0(a|x)·exp(r(x,a)/η) / Z_r(x)`, computed in log space (stable for η from 1e-6 to 1e6 and
 * rewards of any finite size). Actions with π0 = 0 keep probability 0. `out` (X·A entries) receives the
 * probabilities instead of a new array: loops that evaluate many Gibbs policies reuse one buffer (a fresh 8 MB
 * Float64Array costs ~33 ms of first-touch page faults on the project's 2-core VMs, measured).
 *
 * @example
 * const { policy, logZ } = gibbsPolicy(pi0, reward, 0.1);
 */
export function gibbsPolicy(pi0: Policy, reward: Float64Array, eta: number, out?: Float64Array): GibbsResult {
  getOrThrow(validateEta(eta));
  const { contexts: X, actions: A } = pi0;
  if (reward.length !== X * A)
    throw new GshException(invalidArgument("reward", `has ${reward.length} entries, π0 is ${X}×${A}`));
  if (out && out.length !== X * A)
    throw new GshException(invalidArgument("out", `has ${out.length} entries, π0 is ${X}×${A}`));
  const probs = out ?? new Float64Array(X * A);
  const logZ = new Float64Array(X);
  const invEta = 1 / eta;
  if (wasmKernels && X * A >= WASM_MIN_ENTRIES && gibbsRowsInWasm(wasmKernels, pi0, reward, invEta, probs, logZ))
    return { policy: { contexts: X, actions: A, probs }, logZ };
  for (let x = 0; x < X; x++) {
    const o = x * A;
    // Where r/η overflows (any finite reward is allowed: 1e308 with η = 0.1), the row is redone shifted by its
    // largest supported reward m: then log Z = m/η + log Σ … may overflow to +∞, its true f64 value.
    checkedRowMaxAbs(pi0, reward, x);
    let m = -Infinity;
    for (let a = 0; a < A; a++) if (pi0.probs[o + a] > 0 && reward[o + a] > m) m = reward[o + a];
    let overflow = false;
    for (let a = 0; a < A; a++) {
      const p0 = pi0.probs[o + a];
      const v = p0 > 0 ? Math.log(p0) + reward[o + a] * invEta : -Infinity;
      if (v === Infinity || (p0 > 0 && v === -Infinity)) overflow = true;
      probs[o + a] = v;
    }
    if (!overflow) {
      logZ[x] = softmaxInto(probs, probs, o, A);
      continue;
    }
    for (let a = 0; a < A; a++) {
      const p0 = pi0.probs[o + a];
      probs[o + a] = p0 > 0 ? Math.log(p0) + (reward[o + a] - m) * invEta : -Infinity;
    }
    logZ[x] = m * invEta + softmaxInto(probs, probs, o, A);
  }
  return { policy: { contexts: X, actions: A, probs }, logZ };
}

/** J(π) = E_x[ E_{a~π} r(x,a) − η·KL(π(·|x) ‖ π0(·|x)) ]; −∞ when π leaves the support of π0. */
export function objective(
  pi: Policy,
  pi0: Policy,
  reward: Float64Array,
  eta: number,
  weights = uniformWeights(pi.contexts),
): number {
  getOrThrow(validateEta(eta));
  assertDims(
    pi0.contexts === pi.contexts && pi0.actions === pi.actions && reward.length === pi.contexts * pi.actions,
    "objective: π, π0 and r must share X×A",
  );
  return expectedReward(pi, reward, weights) - eta * klToReference(pi, pi0, weights);
}

/** J(π*) = η·E_x log Z_{r}(x), the optimal value (an identity, used for exact evaluation). */
export function optimalObjective(
  pi0: Policy,
  reward: Float64Array,
  eta: number,
  weights = uniformWeights(pi0.contexts),
): number {
  return gibbsValue(gibbsPolicy(pi0, reward, eta).logZ, eta, weights);
}

/**
 * η·E_{x~d0} log Z(x): the value J of a Gibbs policy π ∝ π0·exp(r/η) from its log-partition per context, for any
 * response space (finite actions, sequences) whose Gibbs policy reports log Z. The one home of this identity.
 */
export function gibbsValue(logZ: ArrayLike<number>, eta: number, weights: ArrayLike<number>): number {
  let s = 0;
  for (let x = 0; x < logZ.length; x++) s += weights[x] * logZ[x];
  return eta * s;
}

/**
 * SubOpt(π) = J(π*) − J(π) = η·E_x KL(π(·|x) ‖ π*(·|x)), with log π* = log π0 + r/η − log Z taken in log space
 * (so an optimal probability that underflows to 0 does not turn into a spurious +∞). Never negative.
 */
export function suboptimality(
  pi: Policy,
  pi0: Policy,
  reward: Float64Array,
  eta: number,
  weights = uniformWeights(pi.contexts),
): number {
  const { logZ } = gibbsPolicy(pi0, reward, eta);
  const { contexts: X, actions: A } = pi;
  assertDims(pi0.contexts === X && pi0.actions === A, "suboptimality: π and π0 must share X×A");
  let s = 0;
  for (let x = 0; x < X; x++) {
    const w = weights[x];
    if (w === 0) continue;
    let klx = 0;
    for (let a = 0; a < A; a++) {
      const p = pi.probs[x * A + a];
      if (p === 0) continue;
      const q = pi0.probs[x * A + a];
      if (q === 0) return Infinity;
      const logStar = Math.log(q) + reward[x * A + a] / eta - logZ[x];
      klx += p * (Math.log(p) - logStar);
    }
    s += w * Math.max(0, klx);
  }
  return eta * s;
}

/** E_{x~d0} KL(π(·|x) ‖ π0(·|x)), the true KL to the reference: `kl` with π0 as the second argument. */
export function klToReference(pi: Policy, pi0: Policy, weights = uniformWeights(pi.contexts)): number {
  return kl(pi, pi0, weights);
}

/** E_{x~d0} E_{a~π} r(x, a). */
export function expectedReward(pi: Policy, reward: Float64Array, weights = uniformWeights(pi.contexts)): number {
  const { contexts: X, actions: A } = pi;
  let s = 0;
  for (let x = 0; x < X; x++) {
    let t = 0;
    for (let a = 0; a < A; a++) t += pi.probs[x * A + a] * reward[x * A + a];
    s += weights[x] * t;
  }
  return s;
}
