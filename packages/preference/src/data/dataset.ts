import { type FeatureMap, GshException, invalidArgument } from "@gsh/core";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/**
 * Preference records `(x, a¹, a², y)` stored column-wise in growable typed arrays, so a million records are four
 * typed arrays, not a million objects. `y = 1` iff a¹ was preferred. A dataset made with `featureDim > 0` also
 * carries the feature vectors φ(x, a¹), φ(x, a²) of each record (for responses that are not indices into a
 * finite feature table).
 */
export class PreferenceDataset {
  private xs: Int32Array;
  private a1s: Int32Array;
  private a2s: Int32Array;
  private ys: Uint8Array;
  private f1: Float64Array;
  private f2: Float64Array;
  private n = 0;

  constructor(
    capacity = 1024,
    readonly featureDim = 0,
  ) {
    const c = Math.max(1, capacity);
    this.xs = new Int32Array(c);
    this.a1s = new Int32Array(c);
    this.a2s = new Int32Array(c);
    this.ys = new Uint8Array(c);
    this.f1 = new Float64Array(c * featureDim);
    this.f2 = new Float64Array(c * featureDim);
  }

  /** Appends a record that carries its own features (a dataset made with featureDim > 0). */
  pushWithFeatures(
    x: number,
    a1: number,
    a2: number,
    y: 0 | 1,
    phi1: ArrayLike<number>,
    phi2: ArrayLike<number>,
  ): void {
    const d = this.featureDim;
    if (phi1.length !== d || phi2.length !== d)
      throw new RangeError(
        `dimension mismatch: record features have ${phi1.length}/${phi2.length} entries, dataset has featureDim ${d}`,
      );
    this.push(x, a1, a2, y);
    const o = (this.n - 1) * d;
    for (let k = 0; k < d; k++) {
      this.f1[o + k] = phi1[k];
      this.f2[o + k] = phi2[k];
    }
  }

  /** φ(x, a¹) of every record (n×featureDim), when the dataset carries features. */
  get firstFeatures(): Float64Array {
    return this.f1.subarray(0, this.n * this.featureDim);
  }
  get secondFeatures(): Float64Array {
    return this.f2.subarray(0, this.n * this.featureDim);
  }

  get size(): number {
    return this.n;
  }

  push(x: number, a1: number, a2: number, y: 0 | 1): void {
    if (this.n === this.xs.length) this.grow(2 * this.n);
    this.xs[this.n] = x;
    this.a1s[this.n] = a1;
    this.a2s[this.n] = a2;
    this.ys[this.n] = y;
    this.n++;
  }

  /** Appends every record of `other`. */
  append(other: PreferenceDataset): void {
    if (other.featureDim !== this.featureDim)
      throw new RangeError(`dimension mismatch: appending featureDim ${other.featureDim} to ${this.featureDim}`);
    if (this.n + other.n > this.xs.length) this.grow(Math.max(2 * this.xs.length, this.n + other.n));
    this.xs.set(other.context, this.n);
    this.a1s.set(other.first, this.n);
    this.a2s.set(other.second, this.n);
    this.ys.set(other.label, this.n);
    this.f1.set(other.firstFeatures, this.n * this.featureDim);
    this.f2.set(other.secondFeatures, this.n * this.featureDim);
    this.n += other.n;
  }

  /** The first `n` records (a view-backed copy-free dataset is not worth the aliasing risk: this copies). */
  prefix(n: number): PreferenceDataset {
    const m = Math.min(n, this.n);
    const d = new PreferenceDataset(m, this.featureDim);
    d.f1.set(this.f1.subarray(0, m * this.featureDim));
    d.f2.set(this.f2.subarray(0, m * this.featureDim));
    d.xs.set(this.xs.subarray(0, m));
    d.a1s.set(this.a1s.subarray(0, m));
    d.a2s.set(this.a2s.subarray(0, m));
    d.ys.set(this.ys.subarray(0, m));
    d.n = m;
    return d;
  }

  get context(): Int32Array {
    return this.xs.subarray(0, this.n);
  }
  get first(): Int32Array {
    return this.a1s.subarray(0, this.n);
  }
  get second(): Int32Array {
    return this.a2s.subarray(0, this.n);
  }
  get label(): Uint8Array {
    return this.ys.subarray(0, this.n);
  }

  private grow(capacity: number): void {
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T, width = 1): T => {
      const b = make(capacity * width);
      b.set(a.subarray(0, this.n * width));
      return b;
    };
    this.f1 = g(this.f1, (k) => new Float64Array(k), this.featureDim);
    this.f2 = g(this.f2, (k) => new Float64Array(k), this.featureDim);
    this.xs = g(this.xs, (k) => new Int32Array(k));
    this.a1s = g(this.a1s, (k) => new Int32Array(k));
    this.a2s = g(this.a2s, (k) => new Int32Array(k));
    this.ys = g(this.ys, (k) => new Uint8Array(k));
  }
}

/**
 * The design of the BT likelihood: one row per record, `z = φ(x, winner) − φ(x, loser)`, so that the
 * negative log-likelihood is Σ_i softplus(−<θ, z_i>). Returns an n×d row-major array.
 */
export function winnerMinusLoser(
  data: PreferenceDataset,
  features: FeatureMap | null,
  out?: Float64Array,
): Float64Array {
  const n = data.size;
  const bad = (field: string, message: string) => new GshException(invalidArgument(field, message));
  if (features === null || data.featureDim > 0) {
    const d = data.featureDim;
    if (features !== null && features.dim !== d)
      throw bad("data", `records carry ${d}-dimensional features, the problem's features have d = ${features.dim}`);
    const Z = out ?? new Float64Array(n * d);
    const f1 = data.firstFeatures,
      f2 = data.secondFeatures,
      ys = data.label;
    for (let i = 0; i < n; i++) {
      const sign = ys[i] === 1 ? 1 : -1;
      for (let k = 0; k < d; k++) {
        const z = sign * (f1[i * d + k] - f2[i * d + k]);
        if (!Number.isFinite(z)) throw bad("data", `record ${i} has a non-finite feature (coordinate ${k})`);
        Z[i * d + k] = z;
      }
    }
    return Z;
  }
  const { dim: d, actions: A, contexts: X, values } = features;
  const Z = out ?? new Float64Array(n * d);
  const xs = data.context,
    a1 = data.first,
    a2 = data.second,
    ys = data.label;
  for (let i = 0; i < n; i++) {
    if (!(xs[i] >= 0 && xs[i] < X && a1[i] >= 0 && a1[i] < A && a2[i] >= 0 && a2[i] < A))
      throw bad("data", `record ${i} is (x=${xs[i]}, a¹=${a1[i]}, a²=${a2[i]}): outside ${X} contexts × ${A} actions`);
    const w = ys[i] === 1 ? a1[i] : a2[i];
    const l = ys[i] === 1 ? a2[i] : a1[i];
    const fw = (xs[i] * A + w) * d;
    const fl = (xs[i] * A + l) * d;
    const o = i * d;
    for (let k = 0; k < d; k++) Z[o + k] = values[fw + k] - values[fl + k];
  }
  return Z;
}
