// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;
/**
 * Stable scalar and vector numerics. No NaN for finite input; ±Infinity only where it is the exact answer:
 * logSumExp of an all-(−∞) row is −∞ (log 0), and the log-sigmoid of a very negative input is finite
 * (it is ≈ x), never −∞ for finite x.
 */

/** log Σ_i exp(x_i) over x[off .. off+len), shifted by the maximum. Empty or all −∞ input gives −∞. */
export function logSumExp(x: ArrayLike<number>, off = 0, len = x.length - off): number {
  let m = -Infinity;
  for (let i = 0; i < len; i++) if (x[off + i] > m) m = x[off + i];
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let i = 0; i < len; i++) s += Math.exp(x[off + i] - m);
  return m + Math.log(s);
}

/** out[off+i] = softmax(x[off..off+len))_i; returns the log-normalizer. Entries at −∞ get probability 0. */
export function softmaxInto(x: ArrayLike<number>, out: Float64Array, off = 0, len = x.length - off): number {
  let m = -Infinity;
  for (let i = 0; i < len; i++) if (x[off + i] > m) m = x[off + i];
  if (!Number.isFinite(m)) throw new RangeError("softmax of a row with no finite entry (or a +∞ entry)");
  // Normalizing by the sum (not by subtracting log Σ) keeps rows summing to 1 to the last bits even at |x| ~ 1e4.
  let s = 0;
  for (let i = 0; i < len; i++) {
    const e = Math.exp(x[off + i] - m);
    out[off + i] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let i = 0; i < len; i++) out[off + i] *= inv;
  return m + Math.log(s);
}

export function softmax(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  softmaxInto(x, out, 0, x.length);
  return out;
}

/** σ(x) = 1/(1+e^{−x}), without overflow for any x. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log σ(x) = −softplus(−x); finite for every finite x. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** softplus(x) = log(1 + e^x). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** σ'(x) = σ(x)·σ(−x), computed from e^{−|x|} so it is accurate (and exactly 0 only when it underflows). */
export function sigmoidDerivative(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const d = 1 + e;
  return e / (d * d);
}

/** x·log(x / y) with the conventions 0·log(0/y) = 0 and x·log(x/0) = +∞ for x > 0. */
export function xlogxy(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Infinity;
  return x * Math.log(x / y);
}
