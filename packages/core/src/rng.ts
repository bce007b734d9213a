import { sha256 } from "@noble/hashes/sha2";
type JumpableRandomGenerator = ReturnType<typeof xoroshiro128plusFromState>;
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

const utf8 = new TextEncoder();

/**
 * The stream state of a key: the first 16 bytes of SHA-256(UTF-8 key) as four little-endian int32. Synchronous and
 * platform-free (@noble/hashes, not node:crypto), so the same seed gives the same streams in Node and in a browser.
 */
function stateFromKey(key: string): number[] {
  const digest = sha256(utf8.encode(key));
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const s = [view.getInt32(0, true), view.getInt32(4, true), view.getInt32(8, true), view.getInt32(12, true)];
  // xoroshiro's all-zero state is a fixed point; SHA-256 makes it astronomically unlikely, but be exact.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[3] = 1;
  return s;
}

/**
 * A seeded, splittable random stream (xoroshiro128+ from pure-rand, 53-bit doubles).
 *
 * A stream is named by a path: `Rng.seeded(7).split("algorithm/dpo").split("seed/3")` has the key
 * `gsh:7/algorithm/dpo/seed/3`, and its state is the SHA-256 of that key. A split depends on the key only,
 * never on how many numbers the parent has drawn, so results do not depend on worker count or order.
 *
 * @example
 * const rng = Rng.seeded(0).split("env/R");
 * const u = rng.uniform(); // in [0, 1)
 */
export class Rng {
  private readonly gen: JumpableRandomGenerator;
  private spareNormal = NaN;

  private constructor(readonly key: string) {
    this.gen = xoroshiro128plusFromState(stateFromKey(key));
  }

  static seeded(seed: number | string): Rng {
    if (typeof seed === "number" && !Number.isSafeInteger(seed))
      throw new RangeError(`seed must be a safe integer, got ${seed}`);
    return new Rng(`gsh:${seed}`);
  }

  /** An independent stream whose key is this key + "/" + name. */
  split(name: string): Rng {
    return new Rng(`${this.key}/${name}`);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.gen.next() >>> 5;
    const lo = this.gen.next() >>> 6;
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  }

  /** Uniform integer in {0, …, n−1} (n ≤ 2^32), by rejection so that it is exactly uniform. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n)))
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.gen.next() >>> 0;
      if (v < limit) return v % n;
    }
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Marsaglia's polar method; the spare value is kept, so the stream stays deterministic). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const s = this.spareNormal;
      this.spareNormal = NaN;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** Fills `out` with i.i.d. standard normals. */
  normals(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** One draw from unnormalized non-negative weights (linear scan; use {@link AliasTable} for repeated draws). */
  categorical(weights: ArrayLike<number>, offset = 0, length = weights.length - offset): number {
    let total = 0;
    for (let i = 0; i < length; i++) total += weights[offset + i];
    if (!(total > 0) || !Number.isFinite(total))
      throw new RangeError(`categorical weights must have a positive finite sum, got ${total}`);
    let u = this.uniform() * total;
    let last = -1;
    for (let i = 0; i < length; i++) {
      const w = weights[offset + i];
      if (w > 0) {
        last = i;
        if (u < w) return i;
        u -= w;
      }
    }
    return last; // rounding left u ≥ 0 after the last positive weight
  }

  /** A uniformly random direction in R^k (norm 1). */
  unitSphere(k: number, out: Float64Array = new Float64Array(k)): Float64Array {
    for (;;) {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const z = this.normal();
        out[i] = z;
        s += z * z;
      }
      if (s > 0) {
        const inv = 1 / Math.sqrt(s);
        for (let i = 0; i < k; i++) out[i] *= inv;
        return out;
      }
    }
  }

  /** Uniform in the unit ball of R^k: a Gaussian direction times radius U^{1/k} (the testbeds' convention). */
  unitBall(k: number, out: Float64Array = new Float64Array(k)): Float64Array {
    this.unitSphere(k, out);
    const r = Math.pow(this.uniform(), 1 / k);
    for (let i = 0; i < k; i++) out[i] *= r;
    return out;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }
}

/** One alias table per row of a row-major table of X rows × A entries (e.g. a policy's π(·|x)). */
export function rowSamplers(probs: ArrayLike<number>, rows: number, width: number): AliasTable[] {
  return Array.from({ length: rows }, (_, x) => new AliasTable(probs, x * width, width));
}

/**
 * Walker's alias method (Vose's construction): O(n) set-up, O(1) per draw from a fixed distribution.
 *
 * @example
 * const table = new AliasTable([0.5, 0.25, 0.25]);
 * const a = table.sample(Rng.seeded(1));
 */
export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>, offset = 0, length = weights.length - offset) {
    const n = length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[offset + i];
      if (!(w >= 0) || !Number.isFinite(w))
        throw new RangeError(`alias weights must be finite and non-negative (index ${i}: ${w})`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError("alias weights must have a positive sum");
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[offset + i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // Whatever is left has probability 1 up to rounding; zero-weight entries can never be drawn.
    for (const i of large) this.prob[i] = 1;
    let positive = 0;
    while (!(weights[offset + positive] > 0)) positive++;
    for (const i of small) {
      const w = weights[offset + i];
      this.prob[i] = w > 0 ? 1 : 0;
      this.alias[i] = positive;
    }
  }

  sample(rng: Rng): number {
    const u = rng.uniform() * this.size;
    const i = Math.floor(u);
    return u - i < this.prob[i] ? i : this.alias[i];
  }
}
