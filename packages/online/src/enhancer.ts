import { type Rng, symmetricEigen } from "@gsh/core";
import { type Covariance, type GibbsFamily, contextMean, tiltPathsFromMoments } from "@gsh/preference";

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
 * The enhancer of online GSHF (spec §4): maximize Γ(π¹, π') over π' with η·E_x KL(π'‖π¹) ≤ Γ(π¹, π'). For a fixed
 * direction u the best π' in a KL ball is the exponential tilt π¹·exp(c<u,φ>); the outer search over u is
 * non-convex, so it runs over the eigenvectors of Σ⁻¹ (both signs) plus random directions, with the largest
 * feasible c ∈ [0, c_max] found by bisection, keeping the feasible (u, c) with the largest Γ.
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
    ? (u: Float64Array) => {
        const Cu = new Float64Array(d);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Cu[i] += C[i * d + j] * u[j];
        let uCu = 0;
        for (let i = 0; i < d; i++) uCu += u[i] * Cu[i];
        const n = cov.norm(Cu);
        return uCu > 0 ? (2 * beta * n) / (eta * uCu) : cMax / 2;
      }
    : null;

  const directions: Float64Array[] = [];
  const { vectors } = symmetricEigen(cov.matrix, d);
  for (let k = 0; k < d; k++) directions.push(Float64Array.from({ length: d }, (_, i) => vectors[i * d + k]));
  for (let r = 0; r < nRandom; r++) directions.push(rng.unitSphere(d));

  const along = family.tiltPaths ? family.tiltPaths(thetaMain) : tiltPathsFromMoments(family, thetaMain);
  let best: EnhancerResult = {
    theta: Float64Array.from(thetaMain),
    direction: new Float64Array(d),
    c: 0,
    gamma: 0,
    klToMain: 0,
    candidates: 2 * directions.length,
  };
  for (const dir of directions) {
    for (const sign of [1, -1]) {
      const u = dir.map((v) => sign * v);
      const path = along(u);
      // g(c) = Γ(c) − η·KL(c): g(0) = 0 and g > 0 for small c; the largest c with g ≥ 0 is the tilt size.
      const at = (c: number) => {
        const p = path(c);
        const gamma = beta * cov.norm(p.meanFeatures.map((v, k) => mainMean[k] - v));
        return { c, gamma, kl: p.kl, g: gamma - eta * p.kl, theta: p.theta };
      };
      let pick = at(cMax);
      if (pick.g < 0) {
        // Regula falsi (Illinois) between a feasible lo and an infeasible hi: superlinear, and it keeps the bracket.
        // The bracket is seeded at the second-order model's crossing c₀ = 2β‖Cu‖_{Σ⁻¹}/(η·uᵀCu) (C = E_x Cov_{π¹}(φ))
        // when the family has a covariance, and grown or shrunk by 4× until it brackets the crossing.
        let lo = { c: 0, gamma: 0, kl: 0, g: 0, theta: thetaMain };
        let hi = pick;
        let side = 0;
        const c0 = model ? Math.min(cMax / 2, model(u)) : cMax / 2;
        let probe = at(c0);
        if (probe.g >= 0) {
          lo = probe;
          for (let c = 4 * c0; c < cMax; c *= 4) {
            const q = at(c);
            if (q.g >= 0) lo = q;
            else {
              hi = q;
              break;
            }
          }
        } else {
          hi = probe;
          while (probe.g < 0 && probe.c > 1e-9) {
            hi = probe;
            probe = at(probe.c / 4);
          }
          if (probe.g >= 0) lo = probe;
        }
        let gLo = lo.g,
          gHi = hi.g;
        while (hi.c - lo.c > precision * Math.max(lo.c, 1e-6)) {
          let c = (lo.c * gHi - hi.c * gLo) / (gHi - gLo);
          if (!(c > lo.c && c < hi.c)) c = 0.5 * (lo.c + hi.c);
          const m = at(c);
          if (m.g >= 0) {
            lo = m;
            gLo = m.g;
            if (side === 1) gHi /= 2;
            side = 1;
          } else {
            hi = m;
            gHi = m.g;
            if (side === -1) gLo /= 2;
            side = -1;
          }
        }
        pick = lo;
      }
      if (pick.gamma > best.gamma)
        best = {
          theta: pick.theta,
          direction: u,
          c: pick.c,
          gamma: pick.gamma,
          klToMain: pick.kl,
          candidates: 2 * directions.length,
        };
    }
  }
  return best;
}
