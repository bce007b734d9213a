import { assertDims } from "./errors";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** Eigenvectors as columns: vectors[i * d + k] is component i of the k-th eigenvector. */
  readonly vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric d×d matrix: Householder tridiagonalisation followed by the implicit QL
 * algorithm (the EISPACK tred2/tql2 pair). O(d³); meant for d ≤ 512. Only the lower triangle of A is read.
 */
export function symmetricEigen(A: Float64Array, d: number): SymmetricEigen {
  assertDims(A.length >= d * d, `symmetricEigen A ${A.length} for d=${d}`);
  const V = Float64Array.from(A.subarray(0, d * d));
  const dg = new Float64Array(d);
  const e = new Float64Array(d);
  tred2(V, d, dg, e);
  tql2(V, d, dg, e);
  return { values: dg, vectors: V };
}

function tred2(V: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) dg[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(dg[k]);
    if (scale === 0) {
      e[i] = dg[i - 1];
      for (let j = 0; j < i; j++) {
        dg[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        dg[k] /= scale;
        h += dg[k] * dg[k];
      }
      let f = dg[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      dg[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = dg[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * dg[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * dg[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * dg[j];
      for (let j = 0; j < i; j++) {
        f = dg[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * dg[k];
        dg[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    dg[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = dg[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) dg[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * dg[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    dg[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function tql2(V: Float64Array, n: number, dg: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Math.pow(2, -52);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(dg[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60 * n) throw new Error("symmetricEigen: QL iteration did not converge");
        let g = dg[l];
        let p = (dg[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        dg[l] = e[l] / (p + r);
        dg[l + 1] = e[l] * (p + r);
        const dl1 = dg[l + 1];
        let h = g - dg[l];
        for (let i = l + 2; i < n; i++) dg[i] -= h;
        f += h;
        p = dg[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * dg[i] - s * g;
          dg[i + 1] = h + s * (c * g + s * dg[i]);
          for (let k = 0; k < n; k++) {
            h = V[k * n + i + 1];
            V[k * n + i + 1] = s * V[k * n + i] + c * h;
            V[k * n + i] = c * V[k * n + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        dg[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    dg[l] = dg[l] + f;
    e[l] = 0;
  }
  // Sort eigenvalues (and vectors) ascending.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = dg[i];
    for (let j = i + 1; j < n; j++) {
      if (dg[j] < p) {
        k = j;
        p = dg[j];
      }
    }
    if (k !== i) {
      dg[k] = dg[i];
      dg[i] = p;
      for (let j = 0; j < n; j++) {
        const t = V[j * n + i];
        V[j * n + i] = V[j * n + k];
        V[j * n + k] = t;
      }
    }
  }
}
