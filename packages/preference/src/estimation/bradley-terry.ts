import * as E from "fp-ts/lib/Either";
import {
  type ConvexObjective,
  type GshError,
  getOrThrow,
  dot,
  invalidArgument,
  type LogisticAccumulator,
  logSigmoid,
  logisticAccumulator,
  minimizeInBall,
  pairLogisticAccumulator,
  sigmoid,
} from "@gsh/core";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

export interface BradleyTerryOptions {
  /** Ridge λ > 0 (default 1): makes the problem strictly convex. */
  readonly lambda?: number;
  /** Optional bound B: solve the constrained MLE over ‖θ‖ ≤ B exactly (KKT), not by projecting. */
  readonly normBound?: number;
  /** Warm start. */
  readonly init?: Float64Array;
  /**
   * A linear tilt c: minimise the penalised loss − <c, θ> instead (still strictly convex). VPO's optimistic MLE is
   * a sequence of such fits (see @gsh/online's vpo.ts).
   */
  readonly tilt?: Float64Array;
  readonly maxIterations?: number;
  /** Stop when the Newton decrement δ²/2 falls below this (default 1e-20) or the gradient norm below 1e-12. */
  readonly tolerance?: number;
}

export interface BradleyTerryFit {
  readonly theta: Float64Array;
  /** Penalized negative log-likelihood Σ softplus(−<θ, z_i>) + (λ/2)‖θ‖² at θ̂ (minus <c, θ̂> with a tilt c). */
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
export function bradleyTerryLoss(
  Z: Float64Array,
  n: number,
  d: number,
  theta: Float64Array,
  lambda: number,
  grad?: Float64Array,
): number {
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

/**
 * The BT objective for the generic ball minimizer: the data term, its gradient and its Hessian Σ σ'(m_i) z_i z_iᵀ
 * come from core's logistic accumulator (Z copied once into the WebAssembly kernels' memory, the Hessian a
 * weighted syrk), the ridge term is added here.
 */
function bradleyTerryObjective(
  acc: LogisticAccumulator,
  d: number,
  lambda: number,
  tilt: Float64Array | undefined,
): ConvexObjective {
  return (theta, grad, hess) => {
    let r = 0;
    for (let k = 0; k < d; k++) r += theta[k] * theta[k];
    let linear = 0;
    if (tilt) for (let k = 0; k < d; k++) linear += tilt[k] * theta[k];
    if (grad) for (let k = 0; k < d; k++) grad[k] = lambda * theta[k] - (tilt ? tilt[k] : 0);
    if (hess) {
      hess.fill(0);
      for (let k = 0; k < d; k++) hess[k * d + k] = lambda;
    }
    return acc.evaluate(theta, grad ?? null, hess ?? null) + 0.5 * lambda * r - linear;
  };
}

/**
 * The Bradley-Terry MLE `θ̂ = argmin Σ_i −log σ(<θ, z_i>) + (λ/2)‖θ‖²` by Newton/IRLS, where the rows z_i of Z
 * (n×d) are oriented winner − loser (see `winnerMinusLoser`). With `normBound` B the constrained argmin over
 * ‖θ‖ ≤ B is found exactly by `minimizeInBall` (KKT multiplier search, not a projection). Failure to converge is a
 * typed `ConvergenceError`.
 *
 * @example
 * const Z = winnerMinusLoser(data, problem.features);
 * const fit = fitBradleyTerry(Z, data.size, problem.dim, { lambda: 1 }); // Either<GshError, BradleyTerryFit>
 */
export function fitBradleyTerry(
  Z: Float64Array,
  n: number,
  d: number,
  options: BradleyTerryOptions = {},
): E.Either<GshError, BradleyTerryFit> {
  return fitWithAccumulator(
    d,
    options,
    () =>
      !(Number.isInteger(n) && n >= 0)
        ? invalidArgument("n", `must be an integer ≥ 0, got ${n}`)
        : Z.length < n * d
          ? invalidArgument("Z", `expected ${n}×${d} entries, got ${Z.length}`)
          : firstNonFinite(Z, n * d, "Z"),
    () => logisticAccumulator(Z, n, d),
  );
}

/**
 * The Bradley-Terry MLE over indexed pairs: the rows z_i = φ(winners[i]) − φ(losers[i]) are built on the fly from
 * a feature table (m candidates × d, f64 or f32), so 10⁶ pairs over 10⁵ candidates at d = 768 fit in the memory of
 * the table (see core's `pairLogisticAccumulator`). Same estimator, options and errors as `fitBradleyTerry`.
 */
export function fitBradleyTerryPairs(
  features: Float64Array | Float32Array,
  d: number,
  winners: Int32Array,
  losers: Int32Array,
  options: BradleyTerryOptions = {},
): E.Either<GshError, BradleyTerryFit> {
  return fitWithAccumulator(
    d,
    options,
    () =>
      losers.length !== winners.length
        ? invalidArgument("losers", `${losers.length} losers for ${winners.length} winners`)
        : features.length % d !== 0
          ? invalidArgument("features", `${features.length} entries is not a multiple of d = ${d}`)
          : (firstNonFinite(features, features.length, "features") ??
            firstOutOfRange(winners, features.length / d, "winners") ??
            firstOutOfRange(losers, features.length / d, "losers")),
    () => pairLogisticAccumulator(features, d, winners, losers),
  );
}

/** The first NaN or infinite entry among the first n, as an error naming it (the fits would return NaN silently). */
function firstNonFinite(values: ArrayLike<number>, n: number, field: string): GshError | null {
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(values[i])) return invalidArgument(field, `entry ${i} is ${values[i]}, not a finite number`);
  return null;
}

/** The first index outside [0, m), as an error naming it. */
function firstOutOfRange(indices: Int32Array, m: number, field: string): GshError | null {
  for (let i = 0; i < indices.length; i++)
    if (!(indices[i] >= 0 && indices[i] < m))
      return invalidArgument(field, `entry ${i} is ${indices[i]}, outside [0, ${m})`);
  return null;
}

/**
 * Both fits: the options checked in one order (λ, then the data's shape by `shapeError`, then the warm start and the
 * bound), then Newton in the ball on the accumulator's loss.
 */
function fitWithAccumulator(
  d: number,
  options: BradleyTerryOptions,
  shapeError: () => GshError | null,
  makeAccumulator: () => LogisticAccumulator,
): E.Either<GshError, BradleyTerryFit> {
  const lambda = options.lambda ?? 1;
  if (!(lambda > 0) || !Number.isFinite(lambda))
    return E.left(invalidArgument("lambda", `ridge λ must be a finite number > 0, got ${lambda}`));
  if (!(Number.isInteger(d) && d >= 1)) return E.left(invalidArgument("d", `must be an integer ≥ 1, got ${d}`));
  const shape = shapeError();
  if (shape) return E.left(shape);
  if (options.init && options.init.length !== d)
    return E.left(invalidArgument("init", `warm start has ${options.init.length} entries, expected ${d}`));
  if (options.tilt && options.tilt.length !== d)
    return E.left(invalidArgument("tilt", `tilt has ${options.tilt.length} entries, expected ${d}`));
  const B = options.normBound;
  if (B !== undefined && !(B > 0)) return E.left(invalidArgument("normBound", `must be > 0, got ${B}`));
  const acc = makeAccumulator();
  let m: ReturnType<typeof minimizeInBall>;
  try {
    m = minimizeInBall(bradleyTerryObjective(acc, d, lambda, options.tilt), {
      dim: d,
      radius: B ?? Infinity,
      init: options.init,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    });
  } finally {
    acc.dispose();
  }
  if (!m.converged)
    return E.left({
      _tag: "ConvergenceError",
      solver: "fitBradleyTerry",
      iterations: m.iterations,
      message: `${m.message}; Newton decrement ${m.newtonDecrement.toExponential(2)}, gradient norm ${m.gradientNorm.toExponential(2)}`,
    });
  return E.right({
    theta: m.x,
    objective: m.value,
    iterations: m.iterations,
    gradientNorm: m.gradientNorm,
    newtonDecrement: m.newtonDecrement,
    converged: true,
    multiplier: m.multiplier,
  });
}

/**
 * The Hessian H = λI + Σ_i σ′(<θ, z_i>)·z_i z_iᵀ of the penalized BT loss at θ, for rows z_i = φ(winner) − φ(loser):
 * the precision of the Laplace posterior N(θ̂, H⁻¹) at the MLE (not Σ_D = λI + Σ z zᵀ, which counts every pair as
 * fully informative and so understates the spread by the factor 1/σ′ ≥ 4).
 */
export function bradleyTerryHessian(
  Z: Float64Array,
  n: number,
  d: number,
  theta: Float64Array,
  lambda: number,
): Float64Array {
  return penalizedHessian(n > 0 ? logisticAccumulator(Z, n, d) : null, d, theta, lambda);
}

/** The Hessian λI + Σ σ(m_i)σ(−m_i)·z_i z_iᵀ of the penalized BT loss at θ over indexed pairs (see above). */
export function bradleyTerryPairsHessian(
  features: Float64Array | Float32Array,
  d: number,
  winners: Int32Array,
  losers: Int32Array,
  theta: Float64Array,
  lambda: number,
): Float64Array {
  return penalizedHessian(pairLogisticAccumulator(features, d, winners, losers), d, theta, lambda);
}

// λI plus the accumulator's data term at θ (none without data), freeing the accumulator.
function penalizedHessian(acc: LogisticAccumulator | null, d: number, theta: Float64Array, lambda: number) {
  try {
    const h = new Float64Array(d * d);
    for (let k = 0; k < d; k++) h[k * d + k] = lambda;
    acc?.evaluate(theta, null, h);
    return h;
  } finally {
    acc?.dispose();
  }
}

export const fitBradleyTerryOrThrow = (
  Z: Float64Array,
  n: number,
  d: number,
  options?: BradleyTerryOptions,
): BradleyTerryFit => getOrThrow(fitBradleyTerry(Z, n, d, options));
