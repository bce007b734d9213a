import { cholesky, choleskySolve } from "./cholesky";
import { dot } from "./blas-reference";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * A smooth convex objective: returns f(w) and, when asked, writes ∇f(w) into `grad` and ∇²f(w) (d×d, row-major)
 * into `hess`.
 */
export type ConvexObjective = (w: Float64Array, grad: Float64Array | null, hess: Float64Array | null) => number;

export interface BallMinimizerOptions {
  readonly dim: number;
  /** Minimize over ‖w‖ ≤ radius; Infinity for an unconstrained problem (then f must be strictly convex). */
  readonly radius: number;
  readonly init?: Float64Array;
  /** Newton-decrement tolerance δ²/2 of the inner solves (default 1e-20). */
  readonly tolerance?: number;
  readonly maxIterations?: number;
}

export interface BallMinimum {
  readonly x: Float64Array;
  /** f at x (without the multiplier's term). */
  readonly value: number;
  readonly gradientNorm: number;
  readonly newtonDecrement: number;
  /** KKT multiplier μ ≥ 0 of ‖w‖ ≤ radius: ∇f(x) + μx = 0 (0 when the constraint is inactive). */
  readonly multiplier: number;
  /** Newton iterations over all inner solves. */
  readonly iterations: number;
  readonly converged: boolean;
  readonly message: string;
}

interface Inner {
  x: Float64Array;
  value: number;
  gradientNorm: number;
  decrement: number;
  iterations: number;
  converged: boolean;
  factor: Float64Array;
}

/** Damped Newton on f + (μ/2)‖w‖² with an Armijo line search; stops early if ‖w‖ exceeds `escape`. */
function newtonInner(
  f: ConvexObjective,
  d: number,
  mu: number,
  init: Float64Array,
  tol: number,
  maxIt: number,
  escape: number,
): Inner {
  const x = Float64Array.from(init);
  const g = new Float64Array(d);
  const H = new Float64Array(d * d);
  const trial = new Float64Array(d);
  const penal = (w: Float64Array) => 0.5 * mu * dot(w, w);
  let value = f(x, g, H) + penal(x);
  let iterations = 0;
  for (;;) {
    for (let k = 0; k < d; k++) {
      g[k] += mu * x[k];
      H[k * d + k] += mu;
    }
    let L: Float64Array;
    try {
      L = cholesky(H, d);
    } catch {
      // Singular Hessian (a flat direction and μ = 0): regularize the step slightly; convergence is still judged by f.
      for (let k = 0; k < d; k++) H[k * d + k] += 1e-10 * (1 + Math.abs(H[k * d + k]));
      L = cholesky(H, d);
    }
    const step = choleskySolve(L, d, g);
    const decrement = dot(g, step);
    const gnorm = Math.sqrt(dot(g, g));
    const done = decrement / 2 < tol || gnorm < 1e-12;
    if (done || iterations >= maxIt || Math.sqrt(dot(x, x)) > escape)
      return { x, value: value - penal(x), gradientNorm: gnorm, decrement, iterations, converged: done, factor: L };
    let t = 1;
    for (let k = 0; k < d; k++) trial[k] = x[k] - step[k];
    if (decrement > 1e-10 * Math.max(1, Math.abs(value))) {
      let ft = f(trial, null, null) + penal(trial);
      for (let ls = 0; ls < 60 && !(ft <= value - 0.25 * t * decrement); ls++) {
        t *= 0.5;
        for (let k = 0; k < d; k++) trial[k] = x[k] - t * step[k];
        ft = f(trial, null, null) + penal(trial);
      }
      if (!(ft <= value))
        return { x, value: value - penal(x), gradientNorm: gnorm, decrement, iterations, converged: false, factor: L };
    }
    x.set(trial);
    value = f(x, g, H) + penal(x);
    iterations++;
  }
}

/**
 * Exact minimizer of a smooth convex f over the ball ‖w‖ ≤ radius (KKT, not a projection): if the unconstrained
 * Newton solution lies inside, it is the answer; otherwise the multiplier μ > 0 with ‖w(μ)‖ = radius,
 * w(μ) = argmin f + (μ/2)‖w‖², is found by a safeguarded Newton iteration on 1/‖w(μ)‖ − 1/radius (whose slope is
 * w·(H + μI)⁻¹w / ‖w‖³).
 */
export function minimizeInBall(f: ConvexObjective, options: BallMinimizerOptions): BallMinimum {
  const d = options.dim;
  const R = options.radius;
  const tol = options.tolerance ?? 1e-20;
  const maxIt = options.maxIterations ?? 100;
  const norm = (w: Float64Array) => Math.sqrt(dot(w, w));
  const result = (r: Inner, mu: number, total: number, converged: boolean, message: string): BallMinimum => ({
    x: r.x,
    value: r.value,
    gradientNorm: r.gradientNorm,
    newtonDecrement: r.decrement,
    multiplier: mu,
    iterations: total,
    converged,
    message,
  });
  const init = options.init ?? new Float64Array(d);
  const free = newtonInner(f, d, 0, init, tol, maxIt, R === Infinity ? Infinity : 4 * R);
  let total = free.iterations;
  if (free.converged && norm(free.x) <= R) return result(free, 0, total, true, "interior minimum");
  if (R === Infinity) return result(free, 0, total, false, "unconstrained Newton did not converge");

  let lo = 0;
  let hi = Infinity;
  let mu = Math.max(1e-8, free.converged ? 1e-3 : 1);
  let start = Float64Array.from(free.x);
  if (norm(start) > R) start = start.map((v) => (v * R) / norm(free.x));
  let current = newtonInner(f, d, mu, start, tol, maxIt, Infinity);
  total += current.iterations;
  for (let outer = 0; outer < 200; outer++) {
    if (!current.converged)
      return result(current, mu, total, false, `inner Newton solve at μ = ${mu} did not converge`);
    const w = current.x;
    const nw = norm(w);
    if (Math.abs(nw - R) <= 1e-12 * R) {
      const g = new Float64Array(d);
      const value = f(w, g, null);
      return { ...result(current, mu, total, true, "boundary minimum"), value, gradientNorm: norm(g) };
    }
    if (nw > R) lo = mu;
    else hi = mu;
    if (hi - lo <= 1e-15 * Math.max(1, mu)) {
      // μ is pinned to rounding: ‖w(μ)‖ = R as closely as floating point can say.
      const g = new Float64Array(d);
      const value = f(w, g, null);
      return {
        ...result(current, mu, total, true, "boundary minimum (μ bracketed to rounding)"),
        value,
        gradientNorm: norm(g),
      };
    }
    const slope = nw === 0 ? Infinity : dot(w, choleskySolve(current.factor, d, w)) / (nw * nw * nw);
    let next = mu - (1 / nw - 1 / R) / slope;
    if (!(next > lo && next < hi) || !Number.isFinite(next))
      next = hi === Infinity ? Math.max(4 * mu, 1e-6) : 0.5 * (lo + hi);
    mu = next;
    current = newtonInner(f, d, mu, w, tol, maxIt, Infinity);
    total += current.iterations;
  }
  return result(current, mu, total, false, `the multiplier search for ‖w‖ = ${R} did not converge`);
}
