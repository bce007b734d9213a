import * as E from "fp-ts/lib/Either";
import {
  type GshError,
  backSubstitute,
  dot,
  forwardSubstitute,
  gemm,
  invertLower,
  minimizeInBall,
  transpose,
} from "@gsh/core";
import { type Covariance, type GibbsFamily, contextMean, familyKl } from "@gsh/preference";

export interface ExpectedPessimismSolution {
  /** The tilted parameter θ̂ − β·u*: Option I's policy is the Gibbs policy of <θ̂ − βu*, φ>. */
  readonly theta: Float64Array;
  /** u* = argmin_{‖u‖_Σ ≤ 1} η·E_x log Z_{θ̂−βu}(x) + β<u, ν̄>. */
  readonly u: Float64Array;
  /** The dual value at u*. */
  readonly dualValue: number;
  /** Option I's objective E_x[<θ̂, φ(x,π̂)> − η KL(π̂‖π0)] − β‖E_x φ(x,π̂) − ν̄‖_{Σ⁻¹} at the returned policy. */
  readonly primalValue: number;
  /** dual − primal ≥ 0 by weak duality; ≈ 0 certifies that π̂ maximizes its own pessimistic objective. */
  readonly dualityGap: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Option I's pessimistic objective of the member π_θ, computed from its definition (used both as the primal value
 * of the certificate and by tests).
 */
export function expectedPessimismObjective(
  family: GibbsFamily,
  thetaHat: Float64Array,
  cov: Covariance,
  beta: number,
  nuBar: Float64Array,
  theta: Float64Array,
): number {
  const d = family.dim;
  const m = family.moments(theta);
  const ref = family.moments(new Float64Array(d)); // π0 is the member θ = 0 (log Z = 0)
  const kl = familyKl(family, theta, m, new Float64Array(d), ref);
  const meanFeatures = contextMean(family, m.features, d);
  let value = dot(thetaHat, meanFeatures) - family.eta * contextMean(family, kl)[0];
  const diff = meanFeatures.map((v, k) => v - nuBar[k]);
  value -= beta * cov.norm(diff);
  return value;
}

/**
 * Solves Option I exactly through its d-dimensional convex dual (spec §3): with w = Lᵀu (Σ = LLᵀ) the feasible set
 * is the unit ball, the gradient is L⁻¹·β(ν̄ − φ̄(θ̂ − βu)) and the Hessian L⁻¹·(β²/η)·E_x Cov(φ)·L⁻ᵀ (by central
 * differences of the exact gradient when the family has no closed-form covariance, as for sequences).
 */
export function solveExpectedPessimism(
  family: GibbsFamily,
  thetaHat: Float64Array,
  cov: Covariance,
  beta: number,
  nuBar: Float64Array,
): ExpectedPessimismSolution {
  const d = family.dim;
  const eta = family.eta;
  const L = cov.cholesky();
  const Linv = invertLower(L, d);
  const LinvT = transpose(Linv, d, d);
  const thetaOf = (w: Float64Array): Float64Array => {
    const u = backSubstitute(L, d, w);
    return thetaHat.map((v, k) => v - beta * u[k]);
  };
  const gradW = (w: Float64Array, out: Float64Array): number => {
    const u = backSubstitute(L, d, w);
    const theta = thetaHat.map((v, k) => v - beta * u[k]);
    const m = family.moments(theta);
    const phiBar = contextMean(family, m.features, d);
    const gu = phiBar.map((v, k) => beta * (nuBar[k] - v));
    forwardSubstitute(L, d, gu, out);
    return eta * contextMean(family, m.logZ)[0] + beta * dot(u, nuBar);
  };
  const objective = (w: Float64Array, grad: Float64Array | null, hess: Float64Array | null): number => {
    const g = grad ?? new Float64Array(d);
    const value = gradW(w, g);
    if (hess) {
      if (family.featureCovariance) {
        const Hu = family.featureCovariance(thetaOf(w)).map((v) => ((beta * beta) / eta) * v);
        hess.set(gemm(gemm(Linv, Hu, d, d, d), LinvT, d, d, d));
      } else {
        const h = 1e-5;
        const gp = new Float64Array(d);
        const gm = new Float64Array(d);
        for (let k = 0; k < d; k++) {
          const wp = Float64Array.from(w);
          wp[k] += h;
          const wm = Float64Array.from(w);
          wm[k] -= h;
          gradW(wp, gp);
          gradW(wm, gm);
          for (let j = 0; j < d; j++) hess[j * d + k] = (gp[j] - gm[j]) / (2 * h);
        }
        for (let i = 0; i < d; i++)
          for (let j = i + 1; j < d; j++) {
            const s = 0.5 * (hess[i * d + j] + hess[j * d + i]);
            hess[i * d + j] = s;
            hess[j * d + i] = s;
          }
      }
    }
    return value;
  };
  const m = minimizeInBall(objective, { dim: d, radius: 1, tolerance: 1e-22 });
  const theta = thetaOf(m.x);
  const primalValue = expectedPessimismObjective(family, thetaHat, cov, beta, nuBar, theta);
  return {
    theta,
    u: backSubstitute(L, d, m.x),
    dualValue: m.value,
    primalValue,
    dualityGap: m.value - primalValue,
    iterations: m.iterations,
    converged: m.converged,
  };
}

/**
 * `solveExpectedPessimism` with a dual that failed to converge as a typed ConvergenceError naming `solver` (the
 * caller), for the callers that hand Option I's policy on.
 */
export function solveExpectedPessimismOrError(
  solver: string,
  ...args: Parameters<typeof solveExpectedPessimism>
): E.Either<GshError, ExpectedPessimismSolution> {
  const sol = solveExpectedPessimism(...args);
  return sol.converged
    ? E.right(sol)
    : E.left({
        _tag: "ConvergenceError",
        solver,
        iterations: sol.iterations,
        message: `duality gap ${sol.dualityGap.toExponential(2)}`,
      });
}
