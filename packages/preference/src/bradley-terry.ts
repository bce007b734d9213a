import * as E from "fp-ts/lib/Either";
import { type GshError, getOrThrow, cholesky, choleskySolve, dot, gemv, invalidArgument, logSigmoid, sigmoid, sigmoidDerivative, syrk } from "@gsh/core";

export interface BradleyTerryOptions {
  /** Ridge λ > 0 (default 1): makes the problem strictly convex. */
  readonly lambda?: number;
  /** Optional bound B: solve the constrained MLE over ‖θ‖ ≤ B exactly (KKT), not by projecting. */
  readonly normBound?: number;
  /** Warm start. */
  readonly init?: Float64Array;
  readonly maxIterations?: number;
  /** Stop when the Newton decrement δ²/2 falls below this (default 1e-20) or the gradient norm below 1e-11. */
  readonly tolerance?: number;
}

export interface BradleyTerryFit {
  readonly theta: Float64Array;
  /** Penalized negative log-likelihood Σ softplus(−<θ, z_i>) + (λ/2)‖θ‖² at θ̂. */
  readonly objective: number;
  readonly iterations: number;
  readonly gradientNorm: number;
  /** δ² = gᵀH⁻¹g at the last iterate. */
  readonly newtonDecrement: number;
  readonly converged: boolean;
  /** The KKT multiplier μ of ‖θ‖ ≤ B (0 when the bound is inactive or absent). */
  readonly multiplier: number;
}

/** Penalized BT negative log-likelihood and gradient at θ (rows of Z oriented winner − loser). */
export function bradleyTerryLoss(Z: Float64Array, n: number, d: number, theta: Float64Array, lambda: number, grad?: Float64Array): number {
  let f = 0;
  if (grad) for (let k = 0; k < d; k++) grad[k] = lambda * theta[k];
  for (let i = 0; i < n; i++) {
    const m = dot(Z, theta, d, i * d, 0);
    f -= logSigmoid(m);
    if (grad) {
      const c = -sigmoid(-m);
      for (let k = 0; k < d; k++) grad[k] += c * Z[i * d + k];
    }
  }
  let r = 0;
  for (let k = 0; k < d; k++) r += theta[k] * theta[k];
  return f + 0.5 * lambda * r;
}

interface NewtonResult {
  theta: Float64Array;
  objective: number;
  iterations: number;
  gradientNorm: number;
  newtonDecrement: number;
  converged: boolean;
  /** Cholesky factor of the Hessian at the returned θ. */
  hessianFactor: Float64Array;
}

/** Damped Newton (IRLS) on the ridge-penalized likelihood with an Armijo backtracking line search. */
function newton(Z: Float64Array, n: number, d: number, lambda: number, init: Float64Array, maxIterations: number, tolerance: number): NewtonResult {
  const theta = Float64Array.from(init);
  const grad = new Float64Array(d);
  const trial = new Float64Array(d);
  const margins = new Float64Array(n);
  const scaled = new Float64Array(n * d);
  const H = new Float64Array(d * d);
  let f = bradleyTerryLoss(Z, n, d, theta, lambda, grad);
  let iterations = 0;
  let decrement = Infinity;
  let L: Float64Array = new Float64Array(0);
  for (;;) {
    // Hessian Σ σ'(m_i) z_i z_iᵀ + λI, built as (√w ∘ Z)ᵀ(√w ∘ Z) with the blocked syrk.
    gemv(Z, n, d, theta, margins);
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(sigmoidDerivative(margins[i]));
      for (let k = 0; k < d; k++) scaled[i * d + k] = s * Z[i * d + k];
    }
    H.fill(0);
    for (let k = 0; k < d; k++) H[k * d + k] = lambda;
    syrk(scaled, n, d, H);
    L = cholesky(H, d);
    const step = choleskySolve(L, d, grad);
    decrement = dot(grad, step);
    const gnorm = Math.sqrt(dot(grad, grad));
    if (decrement / 2 < tolerance || gnorm < 1e-11 || iterations >= maxIterations) {
      return { theta, objective: f, iterations, gradientNorm: gnorm, newtonDecrement: decrement, converged: decrement / 2 < tolerance || gnorm < 1e-11, hessianFactor: L };
    }
    let t = 1;
    for (let k = 0; k < d; k++) trial[k] = theta[k] - step[k];
    // Once the predicted decrease is below the rounding level of f, the line search cannot see it; we are then deep
    // in Newton's quadratic regime, where the full step is safe, so it is taken as is.
    if (decrement > 1e-10 * Math.max(1, Math.abs(f))) {
      let fTrial = bradleyTerryLoss(Z, n, d, trial, lambda);
      for (let ls = 0; ls < 60 && !(fTrial <= f - 0.25 * t * decrement); ls++) {
        t *= 0.5;
        for (let k = 0; k < d; k++) trial[k] = theta[k] - t * step[k];
        fTrial = bradleyTerryLoss(Z, n, d, trial, lambda);
      }
      if (!(fTrial <= f)) {
        return { theta, objective: f, iterations, gradientNorm: gnorm, newtonDecrement: decrement, converged: false, hessianFactor: L };
      }
    }
    theta.set(trial);
    f = bradleyTerryLoss(Z, n, d, theta, lambda, grad);
    iterations++;
  }
}

/**
 * The Bradley-Terry MLE `θ̂ = argmin Σ_i −log σ(<θ, z_i>) + (λ/2)‖θ‖²` by Newton/IRLS, where the rows z_i of Z
 * (n×d) are oriented winner − loser (see `winnerMinusLoser`). With `normBound` B the constrained argmin over
 * ‖θ‖ ≤ B is found exactly: if the ridge solution is inside the ball it is the answer; otherwise the KKT
 * multiplier μ with ‖θ(μ)‖ = B, θ(μ) = argmin f + (μ/2)‖θ‖², is found by a safeguarded Newton iteration on
 * 1/‖θ(μ)‖ − 1/B. Failure to converge is a typed `ConvergenceError`.
 *
 * @example
 * const Z = winnerMinusLoser(data, problem.features);
 * const fit = fitBradleyTerry(Z, data.size, problem.dim, { lambda: 1 }); // Either<GshError, BradleyTerryFit>
 */
export function fitBradleyTerry(Z: Float64Array, n: number, d: number, options: BradleyTerryOptions = {}): E.Either<GshError, BradleyTerryFit> {
  const lambda = options.lambda ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-20;
  if (!(lambda > 0) || !Number.isFinite(lambda)) return E.left(invalidArgument("lambda", `ridge λ must be a finite number > 0, got ${lambda}`));
  if (Z.length < n * d) return E.left(invalidArgument("Z", `expected ${n}×${d} entries, got ${Z.length}`));
  if (options.init && options.init.length !== d) return E.left(invalidArgument("init", `warm start has ${options.init.length} entries, expected ${d}`));
  const B = options.normBound;
  if (B !== undefined && !(B > 0)) return E.left(invalidArgument("normBound", `must be > 0, got ${B}`));
  const fail = (iterations: number, message: string): E.Either<GshError, BradleyTerryFit> => E.left({ _tag: "ConvergenceError", solver: "fitBradleyTerry", iterations, message });
  const done = (r: NewtonResult, mu: number): BradleyTerryFit => ({
    theta: r.theta,
    objective: r.objective,
    iterations: r.iterations,
    gradientNorm: r.gradientNorm,
    newtonDecrement: r.newtonDecrement,
    converged: r.converged,
    multiplier: mu,
  });

  const init = options.init ?? new Float64Array(d);
  const free = newton(Z, n, d, lambda, init, maxIterations, tolerance);
  if (!free.converged) return fail(free.iterations, `Newton decrement ${free.newtonDecrement.toExponential(2)}, gradient norm ${free.gradientNorm.toExponential(2)}`);
  const norm = (v: Float64Array) => Math.sqrt(dot(v, v));
  if (B === undefined || norm(free.theta) <= B) return E.right(done(free, 0));

  // Active constraint: find μ > 0 with ‖θ(μ)‖ = B. q(μ) = 1/‖θ(μ)‖ − 1/B is increasing and nearly linear in μ.
  let lo = 0;
  let hi = Infinity;
  let mu = 0;
  let current = free;
  let total = free.iterations;
  for (let outer = 0; outer < 100; outer++) {
    const t = current.theta;
    const nt = norm(t);
    if (Math.abs(nt - B) <= 1e-12 * B) {
      const r = done(current, mu);
      // Report the objective and gradient of the constrained problem itself (without the multiplier's term).
      const g = new Float64Array(d);
      const f = bradleyTerryLoss(Z, n, d, t, lambda, g);
      return E.right({ ...r, objective: f, iterations: total, gradientNorm: norm(g) });
    }
    if (nt > B) lo = mu;
    else hi = mu;
    // dq/dμ = θᵀ H_μ⁻¹ θ / ‖θ‖³, with H_μ the Hessian of the μ-penalized problem at θ(μ).
    const Hinv = choleskySolve(current.hessianFactor, d, t);
    const slope = dot(t, Hinv) / (nt * nt * nt);
    let next = mu - (1 / nt - 1 / B) / slope;
    if (!(next > lo && next < hi)) next = hi === Infinity ? Math.max(2 * mu, 1) : 0.5 * (lo + hi);
    mu = next;
    current = newton(Z, n, d, lambda + mu, current.theta, maxIterations, tolerance);
    total += current.iterations;
    if (!current.converged) return fail(total, `inner Newton solve at μ = ${mu} did not converge`);
  }
  return fail(total, `the multiplier search for ‖θ‖ = ${B} did not converge`);
}

export const fitBradleyTerryOrThrow = (Z: Float64Array, n: number, d: number, options?: BradleyTerryOptions): BradleyTerryFit =>
  getOrThrow(fitBradleyTerry(Z, n, d, options));
