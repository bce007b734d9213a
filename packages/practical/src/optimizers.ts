import { dot } from "@gsh/core";

export type Objective = (params: Float64Array, grad: Float64Array) => number;

export interface OptimizeOptions {
  /** Stop when ‖∇‖ falls below this (default 1e-8). */
  readonly gradientTolerance?: number;
  /** Step cap (default 5000 for L-BFGS, 2000 for Adam). */
  readonly maxSteps?: number;
  /** Adam learning rate (default 0.05). */
  readonly learningRate?: number;
  /** L-BFGS memory (default 10). */
  readonly memory?: number;
  /**
   * Called with each accepted iterate (step 1, 2, …) and the objective there, e.g. to record a training path or a
   * loss curve; must not keep `params`.
   */
  readonly onStep?: (step: number, params: Float64Array, value: number) => void;
}

export interface OptimizeResult {
  readonly params: Float64Array;
  readonly value: number;
  readonly gradientNorm: number;
  readonly steps: number;
  readonly converged: boolean;
}

/** L-BFGS with an Armijo backtracking line search (for the smooth losses; the objectives here are convex). */
export function lbfgs(f: Objective, init: Float64Array, options: OptimizeOptions = {}): OptimizeResult {
  const n = init.length;
  const tol = options.gradientTolerance ?? 1e-8;
  const maxSteps = options.maxSteps ?? 5000;
  const m = options.memory ?? 10;
  const x = Float64Array.from(init);
  const g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  let steps = 0;
  for (;;) {
    const gn = Math.sqrt(dot(g, g));
    if (gn < tol || steps >= maxSteps) return { params: x, value: fx, gradientNorm: gn, steps, converged: gn < tol };
    // two-loop recursion: d = −H·g
    d.set(g);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], d);
      for (let k = 0; k < n; k++) d[k] -= alpha[i] * Y[i][k];
    }
    const gamma = S.length
      ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
      : 1 / Math.max(gn, 1);
    for (let k = 0; k < n; k++) d[k] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const b = rho[i] * dot(Y[i], d);
      for (let k = 0; k < n; k++) d[k] += S[i][k] * (alpha[i] - b);
    }
    for (let k = 0; k < n; k++) d[k] = -d[k];
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction (rounding): restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let k = 0; k < n; k++) d[k] = -g[k];
      slope = -gn * gn;
    }
    let t = 1;
    let fNew = Infinity;
    // Once the predicted decrease is below the rounding level of f the line search cannot see it: take the full
    // quasi-Newton step (the objectives here are convex and smooth there) and let the gradient judge convergence.
    const blind = -slope < 1e-12 * Math.max(1, Math.abs(fx));
    for (let ls = 0; ls < 60; ls++) {
      for (let k = 0; k < n; k++) xNew[k] = x[k] + t * d[k];
      fNew = f(xNew, gNew);
      if (blind || fNew <= fx + 1e-4 * t * slope) break;
      t *= 0.5;
    }
    if (!blind && !(fNew <= fx)) return { params: x, value: fx, gradientNorm: gn, steps, converged: false };
    if (blind && !(dot(gNew, gNew) < gn * gn))
      return { params: x, value: fx, gradientNorm: gn, steps, converged: gn < tol };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      s[k] = xNew[k] - x[k];
      y[k] = gNew[k] - g[k];
    }
    const sy = dot(s, y);
    if (sy > 1e-300) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    steps++;
    options.onStep?.(steps, x, fx);
  }
}

/** Adam (Kingma & Ba) with the standard β₁ = 0.9, β₂ = 0.999, ε = 1e-8; for the non-smooth hinge losses. */
export function adam(f: Objective, init: Float64Array, options: OptimizeOptions = {}): OptimizeResult {
  const n = init.length;
  const tol = options.gradientTolerance ?? 1e-8;
  const maxSteps = options.maxSteps ?? 2000;
  const lr = options.learningRate ?? 0.05;
  const x = Float64Array.from(init);
  const g = new Float64Array(n);
  const m1 = new Float64Array(n);
  const m2 = new Float64Array(n);
  let fx = f(x, g);
  let steps = 0;
  for (;;) {
    const gn = Math.sqrt(dot(g, g));
    if (gn < tol || steps >= maxSteps) return { params: x, value: fx, gradientNorm: gn, steps, converged: gn < tol };
    steps++;
    const c1 = 1 - Math.pow(0.9, steps);
    const c2 = 1 - Math.pow(0.999, steps);
    for (let k = 0; k < n; k++) {
      m1[k] = 0.9 * m1[k] + 0.1 * g[k];
      m2[k] = 0.999 * m2[k] + 0.001 * g[k] * g[k];
      x[k] -= (lr * (m1[k] / c1)) / (Math.sqrt(m2[k] / c2) + 1e-8);
    }
    fx = f(x, g);
    options.onStep?.(steps, x, fx);
  }
}
