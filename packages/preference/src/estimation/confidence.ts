import * as E from "fp-ts/lib/Either";
import {
  type FeatureMap,
  type GshError,
  quadraticForm,
  cholesky,
  choleskyRank1Update,
  invalidArgument,
  mahalanobisNorms,
  forwardSubstitute,
  syr,
  syrk,
  symmetricEigen,
  GshException,
} from "@gsh/core";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The design covariance `Σ = λI + c·Σ_i z_i z_iᵀ` (c = 1: unnormalized, the default; c = 1/m gives the batch-normalized
 * form some analyses use). Keeps its Cholesky factor current: single additions are O(d²) rank-1 updates of the
 * factor, batches refactor once.
 */
export class Covariance {
  readonly matrix: Float64Array;
  private factor: Float64Array | null = null;
  private count = 0;

  constructor(
    readonly dim: number,
    readonly lambda: number,
    readonly scale = 1,
  ) {
    if (!(lambda > 0)) throw new GshException(invalidArgument("lambda", `Covariance needs λ > 0, got ${lambda}`));
    this.matrix = new Float64Array(dim * dim);
    for (let k = 0; k < dim; k++) this.matrix[k * dim + k] = lambda;
  }

  /** Number of vectors added. */
  get size(): number {
    return this.count;
  }

  add(z: Float64Array): void {
    syr(this.scale, z, this.matrix, this.dim);
    if (this.factor) {
      const w = Float64Array.from(z, (v) => v * Math.sqrt(this.scale));
      choleskyRank1Update(this.factor, this.dim, w);
    }
    this.count++;
  }

  /** Adds the n rows of Z (n×d). */
  addRows(Z: Float64Array, n: number): void {
    if (n === 0) return;
    if (this.scale === 1) syrk(Z, n, this.dim, this.matrix);
    else {
      const tmp = new Float64Array(this.dim * this.dim);
      syrk(Z, n, this.dim, tmp);
      for (let i = 0; i < tmp.length; i++) this.matrix[i] += this.scale * tmp[i];
    }
    this.factor = null;
    this.count += n;
  }

  /** The lower Cholesky factor of Σ. */
  cholesky(): Float64Array {
    if (!this.factor) this.factor = cholesky(this.matrix, this.dim);
    return this.factor;
  }

  /** ‖v‖_{Σ⁻¹}. */
  norm(v: Float64Array): number {
    const y = forwardSubstitute(this.cholesky(), this.dim, v);
    let s = 0;
    for (let k = 0; k < this.dim; k++) s += y[k] * y[k];
    return Math.sqrt(s);
  }

  /** ‖v_i‖_{Σ⁻¹} for the n rows of V. */
  norms(V: Float64Array, n: number): Float64Array {
    return mahalanobisNorms(this.cholesky(), this.dim, V, n);
  }

  /** Restores a saved covariance (see `covarianceFromJson`). */
  static fromMatrix(dim: number, lambda: number, scale: number, matrix: ArrayLike<number>, count: number): Covariance {
    const c = new Covariance(dim, lambda, scale);
    c.matrix.set(matrix);
    c.count = count;
    return c;
  }

  clone(): Covariance {
    const c = new Covariance(this.dim, this.lambda, this.scale);
    c.matrix.set(this.matrix);
    c.count = this.count;
    return c;
  }
}

/**
 * z_max = B·max_{x,a,a'} ‖φ(x,a) − φ(x,a')‖, from the features and B only (never from θ*). Exact when
 * X·A²·d ≤ 2e8; beyond that it uses the bound 2·B·max‖φ‖ and says so.
 */
export function maxRewardGap(
  features: FeatureMap,
  normBound: number,
): { readonly value: number; readonly exact: boolean } {
  const { contexts: X, actions: A, dim: d, values } = features;
  if (X * A * A * d > 2e8) {
    let m = 0;
    for (let i = 0; i < X * A; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += values[i * d + k] ** 2;
      m = Math.max(m, Math.sqrt(s));
    }
    return { value: 2 * normBound * m, exact: false };
  }
  let best = 0;
  for (let x = 0; x < X; x++) {
    for (let a = 0; a < A; a++) {
      const fa = (x * A + a) * d;
      for (let b = a + 1; b < A; b++) {
        const fb = (x * A + b) * d;
        let s = 0;
        for (let k = 0; k < d; k++) {
          const t = values[fa + k] - values[fb + k];
          s += t * t;
        }
        if (s > best) best = s;
      }
    }
  }
  return { value: normBound * Math.sqrt(best), exact: true };
}

/** γ = σ'(z_max) = 1/(2 + e^{z_max} + e^{−z_max}): the logistic link's smallest slope over attainable gaps. */
export function logisticCurvature(zMax: number): number {
  return 1 / (2 + Math.exp(zMax) + Math.exp(-zMax));
}

export interface ConfidenceWidthInput {
  readonly dim: number;
  readonly delta: number;
  readonly gamma: number;
  readonly lambda: number;
  readonly normBound: number;
  /** The unknown absolute constant of the bound: an explicit argument, never hidden. */
  readonly constant: number;
}

/**
 * β(δ) = c·sqrt((d + log(1/δ))/γ² + λB²), the width of `‖θ̂ − θ*‖_Σ ≤ β`. Loose by design (on testbed R with c = 1 it
 * is ≈ 1300): algorithms take β directly, and the evaluation side reports how often the event actually held.
 */
export function confidenceWidth(i: ConfidenceWidthInput): E.Either<GshError, number> {
  if (!(i.delta > 0 && i.delta < 1)) return E.left(invalidArgument("delta", `must be in (0, 1), got ${i.delta}`));
  if (!(i.gamma > 0)) return E.left(invalidArgument("gamma", `must be > 0, got ${i.gamma}`));
  if (!(i.constant > 0)) return E.left(invalidArgument("constant", `must be > 0, got ${i.constant}`));
  return E.right(
    i.constant *
      Math.sqrt((i.dim + Math.log(1 / i.delta)) / (i.gamma * i.gamma) + i.lambda * i.normBound * i.normBound),
  );
}

/**
 * The orthogonal projection (d×d) onto the directions of θ that preferences identify: the span of the differences
 * φ(x,a) − φ(x,a') over contexts and action pairs. BT sees θ only through such differences, so θ + u with u outside
 * the span is the same model: on tabular features (one-hot φ, one context, testbed P tabular) u = c·1 shifts every
 * reward by c. The penalised MLE lies in the span; θ* need not, and its component outside it is no estimation
 * error. Eigenvalues below 1e-10 of the largest count as zero.
 */
export function identifiedProjection(features: FeatureMap): Float64Array {
  const { contexts: X, actions: A, dim: d, values } = features;
  const G = new Float64Array(d * d);
  const mean = new Float64Array(d);
  const dev = new Float64Array(d);
  for (let x = 0; x < X; x++) {
    mean.fill(0);
    for (let a = 0; a < A; a++) for (let k = 0; k < d; k++) mean[k] += values[(x * A + a) * d + k] / A;
    // span{φ(x,a) − φ(x,a')} = span{φ(x,a) − mean_a φ(x,a)}: A deviations instead of A² differences
    for (let a = 0; a < A; a++) {
      for (let k = 0; k < d; k++) dev[k] = values[(x * A + a) * d + k] - mean[k];
      syr(1, dev, G, d);
    }
  }
  const { values: lambdas, vectors } = symmetricEigen(G, d);
  const top = lambdas[d - 1];
  const P = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    if (!(lambdas[k] > 1e-10 * top)) continue;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) P[i * d + j] += vectors[i * d + k] * vectors[j * d + k];
  }
  return P;
}

/**
 * The estimation error ‖P(θ̂ − θ*)‖_Σ, Σ as a d×d row-major matrix: did the confidence event ‖θ̂ − θ*‖_Σ ≤ β hold in
 * this run? P (`identifiedProjection`) drops what BT cannot identify; without it the plain difference. Evaluation
 * side only: it needs θ*.
 */
export function estimationError(
  sigma: Float64Array,
  thetaHat: Float64Array,
  thetaStar: Float64Array,
  projection: Float64Array | null = null,
): number {
  const d = thetaHat.length;
  const raw = Float64Array.from(thetaHat, (v, k) => v - thetaStar[k]);
  let diff = raw;
  if (projection) {
    diff = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) diff[i] += projection[i * d + j] * raw[j];
  }
  return Math.sqrt(Math.max(0, quadraticForm(sigma, d, diff)));
}
