import { type Rng, type SearchPoint, largestFeasiblePoint, symmetricEigen } from "@gsh/core";
import { type Covariance, type GibbsFamily, contextMean, tiltsFromMoments } from "@gsh/preference";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

export interface EnhancerOptions {
  /** Random unit directions added to the eigenvectors of Σ⁻¹ (each used with both signs). Default: d. */
  readonly randomDirections?: number;
  /** Largest tilt size c searched (default 100: the constraint can hold for every c). */
  readonly cMax?: number;
  /** Relative precision of the search for the largest feasible c (default 1e-3). */
  readonly precision?: number;
}

export interface EnhancerResult {
  /** The enhancer's parameter: π² = π_{θ¹ + c·η·u} = π¹ tilted by exp(c<u, φ>). */
  readonly theta: Float64Array;
  readonly direction: Float64Array;
  readonly c: number;
  /** Γ(π¹, π²) = β‖E_x[φ(x,π¹) − φ(x,π²)]‖_{Σ⁻¹}. */
  readonly gamma: number;
  /** E_x KL(π² ‖ π¹). */
  readonly klToMain: number;
  /** Number of candidate directions searched. */
  readonly candidates: number;
}

/**
 * Candidates whose Γ agree to this relative precision are ties, kept in search order (eigenvectors, then random
 * directions; + before −). Symmetric directions (e.g. tabular coordinates with the same data) have equal Γ in exact
 * arithmetic, and rounding, which depends on the kernels, must not choose between them; the root search itself
 * resolves c only to `precision` (1e-3), so 1e-9 loses nothing.
 */
const GAMMA_TIE_TOLERANCE = 1e-9;

/** One evaluated point of a tilt search: size c ≥ 0 along a signed direction, Γ, the KL and g = Γ − η·KL. */
interface TiltPoint extends SearchPoint {
  readonly gamma: number;
  readonly kl: number;
}

/**
 * The enhancer of online GSHF (spec §4): maximize Γ(π¹, π') over π' with η·E_x KL(π'‖π¹) ≤ Γ(π¹, π'). For a fixed
 * direction u the best π' in a KL ball is the exponential tilt π¹·exp(c<u,φ>); the outer search over u is
 * non-convex, so it runs over the eigenvectors of Σ⁻¹ (both signs) plus random directions, with the largest
 * feasible c ∈ [0, c_max] found by a bracketed root search, keeping the feasible (u, c) with the largest Γ (the
 * first in the order eigenvectors then random directions, + before −, on ties). All 2K searches run in lockstep
 * through the family's batched tilts: on finite actions each step is one pass of exponentials over X·A·(active
 * searches) and one gemm P·Φ in the WebAssembly kernels.
 */
export function enhancer(
  family: GibbsFamily,
  thetaMain: Float64Array,
  cov: Covariance,
  beta: number,
  rng: Rng,
  options: EnhancerOptions = {},
): EnhancerResult {
  const d = family.dim;
  const eta = family.eta;
  const cMax = options.cMax ?? 100;
  const precision = options.precision ?? 1e-3;
  const nRandom = options.randomDirections ?? d;
  const mainMean = contextMean(family, family.moments(thetaMain).features, d);
  const C = family.featureCovariance?.(thetaMain);
  const model = C
    ? (u: Float64Array, at: number) => {
        const Cu = new Float64Array(d);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Cu[i] += C[i * d + j] * u[at + j];
        let uCu = 0;
        for (let i = 0; i < d; i++) uCu += u[at + i] * Cu[i];
        const n = cov.norm(Cu);
        return uCu > 0 ? (2 * beta * n) / (eta * uCu) : cMax / 2;
      }
    : null;

  const K = d + nRandom;
  const directions = new Float64Array(K * d);
  const { vectors } = symmetricEigen(cov.matrix, d);
  for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) directions[k * d + i] = vectors[i * d + k];
  for (let r = 0; r < nRandom; r++) directions.set(rng.unitSphere(d), (d + r) * d);

  // Search s explores direction ⌊s/2⌋ with sign + (even s) or − (odd s); a − search evaluates the tilt at −c. Its
  // bracket is seeded at the second-order model's crossing c₀ = 2β‖Cu‖_{Σ⁻¹}/(η·uᵀCu) (C = E_x Cov_{π¹}(φ)) when the
  // family has a covariance; core's largestFeasiblePoint grows or shrinks it, then runs regula falsi.
  const searches = Array.from({ length: 2 * K }, (_, s) => {
    const c0 = model ? Math.min(cMax / 2, model(directions, (s >> 1) * d)) : cMax / 2;
    return largestFeasiblePoint<TiltPoint>(cMax, precision, c0, { c: 0, gamma: 0, kl: 0, g: 0 });
  });
  const picks = new Array<TiltPoint | null>(2 * K).fill(null);
  const pending = searches.map((g) => g.next().value as number);
  const tilts = family.tilts?.(thetaMain, directions, K) ?? tiltsFromMoments(family, thetaMain, directions, K);
  try {
    let active = searches.map((_, s) => s);
    const diff = new Float64Array(d);
    while (active.length > 0) {
      const idx = active.map((s) => s >> 1);
      const cs = active.map((s) => (s & 1 ? -pending[s] : pending[s]));
      const { means, kl } = tilts.evaluate(idx, cs);
      const next: number[] = [];
      active.forEach((s, j) => {
        for (let k = 0; k < d; k++) diff[k] = mainMean[k] - means[j * d + k];
        const gamma = beta * cov.norm(diff);
        const step = searches[s].next({ c: pending[s], gamma, kl: kl[j], g: gamma - eta * kl[j] });
        if (step.done) picks[s] = step.value;
        else {
          pending[s] = step.value;
          next.push(s);
        }
      });
      active = next;
    }
  } finally {
    tilts.dispose();
  }

  let best: EnhancerResult = {
    theta: Float64Array.from(thetaMain),
    direction: new Float64Array(d),
    c: 0,
    gamma: 0,
    klToMain: 0,
    candidates: 2 * K,
  };
  picks.forEach((pick, s) => {
    if (pick && pick.gamma > best.gamma * (1 + GAMMA_TIE_TOLERANCE)) {
      const sign = s & 1 ? -1 : 1;
      const u = directions.slice((s >> 1) * d, ((s >> 1) + 1) * d).map((v) => sign * v);
      best = {
        theta: thetaMain.map((v, k) => v + pick.c * eta * u[k]),
        direction: u,
        c: pick.c,
        gamma: pick.gamma,
        klToMain: pick.kl,
        candidates: 2 * K,
      };
    }
  });
  return best;
}
