// f64 kernels for @gsh/core in AssemblyScript, compiled to WebAssembly with 128-bit SIMD (f64x2) by
// `pnpm --filter @gsh/core build:wasm`. Every pointer is a byte offset into this module's memory, allocated by
// `alloc` (TLSF, 16-byte aligned) and released by `free`; matrices are row-major f64. The TypeScript kernels in
// src/blas-reference.ts are the reference these are tested against (test/wasm-kernels.test.ts).

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}

// ---------------------------------------------------------------------------------------------------------------
// gemm: a 4×4 register block of eight f64x2 accumulators over packed panels. Baseline WebAssembly SIMD has no
// fused multiply-add, so each step is mul + add.

const KC: i32 = 256; // depth of one packed block: a 4×KC panel of A is 8 KiB, stays in L1 beside B's panel

@inline
function aAt(a: usize, transA: bool, m: i32, k: i32, i: i32, p: i32): f64 {
  return transA ? load<f64>(a + ((<usize>p * m + i) << 3)) : load<f64>(a + ((<usize>i * k + p) << 3));
}

/** Packs rows i0..i0+3 of op(A) over depth p0..p0+kc as [p][r] (zeros past m), each p scaled by scale[p]. */
function packA(
  a: usize,
  transA: bool,
  m: i32,
  k: i32,
  i0: i32,
  p0: i32,
  kc: i32,
  scale: usize,
  out: usize,
): void {
  const rows = min(4, m - i0);
  for (let p = 0; p < kc; p++) {
    const s = scale ? load<f64>(scale + (<usize>(p0 + p) << 3)) : 1.0;
    const o = out + (<usize>p << 5);
    for (let r = 0; r < 4; r++) {
      const v = r < rows ? s * aAt(a, transA, m, k, i0 + r, p0 + p) : 0.0;
      store<f64>(o + (<usize>r << 3), v);
    }
  }
}

/** Packs B (k×n) rows p0..p0+kc into column panels of width 4: panel j holds [p][c] for columns 4j..4j+3. */
function packBBlock(b: usize, k: i32, n: i32, p0: i32, kc: i32, out: usize): void {
  const panels = (n + 3) >> 2;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp << 2;
    const cols = min(4, n - j0);
    const base = out + (<usize>jp * kc << 5);
    for (let p = 0; p < kc; p++) {
      const src = b + ((<usize>(p0 + p) * n + j0) << 3);
      const o = base + (<usize>p << 5);
      if (cols == 4) {
        v128.store(o, v128.load(src));
        v128.store(o + 16, v128.load(src + 16));
      } else {
        for (let c = 0; c < 4; c++) store<f64>(o + (<usize>c << 3), c < cols ? load<f64>(src + (<usize>c << 3)) : 0.0);
      }
    }
  }
}

/** C[i0..i0+3, j0..j0+3] (+)= Apanel·Bpanel over kc, writing only the rows/cols inside m×n. */
function micro(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, add: bool): void {
  let c00 = f64x2.splat(0),
    c01 = f64x2.splat(0),
    c10 = f64x2.splat(0),
    c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0),
    c21 = f64x2.splat(0),
    c30 = f64x2.splat(0),
    c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const bo = bp + (<usize>p << 5);
    const ao = ap + (<usize>p << 5);
    const b0 = v128.load(bo);
    const b1 = v128.load(bo, 16);
    let a = v128.load64_splat(ao);
    c00 = f64x2.add(c00, f64x2.mul(a, b0));
    c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load64_splat(ao, 8);
    c10 = f64x2.add(c10, f64x2.mul(a, b0));
    c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load64_splat(ao, 16);
    c20 = f64x2.add(c20, f64x2.mul(a, b0));
    c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load64_splat(ao, 24);
    c30 = f64x2.add(c30, f64x2.mul(a, b0));
    c31 = f64x2.add(c31, f64x2.mul(a, b1));
  }
  if (rows == 4 && cols == 4) {
    const r0 = c,
      r1 = c + (<usize>ldc << 3),
      r2 = r1 + (<usize>ldc << 3),
      r3 = r2 + (<usize>ldc << 3);
    if (add) {
      c00 = f64x2.add(c00, v128.load(r0));
      c01 = f64x2.add(c01, v128.load(r0, 16));
      c10 = f64x2.add(c10, v128.load(r1));
      c11 = f64x2.add(c11, v128.load(r1, 16));
      c20 = f64x2.add(c20, v128.load(r2));
      c21 = f64x2.add(c21, v128.load(r2, 16));
      c30 = f64x2.add(c30, v128.load(r3));
      c31 = f64x2.add(c31, v128.load(r3, 16));
    }
    v128.store(r0, c00);
    v128.store(r0, c01, 16);
    v128.store(r1, c10);
    v128.store(r1, c11, 16);
    v128.store(r2, c20);
    v128.store(r2, c21, 16);
    v128.store(r3, c30);
    v128.store(r3, c31, 16);
    return;
  }
  // Edge block: spill to a 16-entry scratch, then write the part inside C.
  const t = edgeScratch;
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t, c10, 32);
  v128.store(t, c11, 48);
  v128.store(t, c20, 64);
  v128.store(t, c21, 80);
  v128.store(t, c30, 96);
  v128.store(t, c31, 112);
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < cols; q++) {
      const dst = c + ((<usize>r * ldc + q) << 3);
      const v = load<f64>(t + ((<usize>(r << 2) + q) << 3));
      store<f64>(dst, add ? load<f64>(dst) + v : v);
    }
}

const edgeScratch: usize = heap.alloc(128);

/**
 * C (m×n) = op(A)·B, or C += op(A)·B with `accumulate`. op(A) is A (m×k) or, with `transA`, the transpose of a
 * stored k×m matrix. With `scale` ≠ 0, column p of op(A) is multiplied by scale[p] (row weights of a syrk).
 * With `upperOnly`, 4×4 blocks strictly below the diagonal are skipped (symmetric results; mirror afterwards).
 * `work` must hold 32·KC + 32·KC·⌈n/4⌉ bytes (see gemmWorkBytes).
 */
export function gemm(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  scale: usize,
  accumulate: bool,
  upperOnly: bool,
  work: usize,
): void {
  const ap = work;
  const bpack = work + (<usize>KC << 5);
  if (k == 0) {
    if (!accumulate) memory.fill(c, 0, <usize>m * n << 3);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    packBBlock(b, k, n, p0, kc, bpack);
    const add = accumulate || p0 > 0;
    for (let i0 = 0; i0 < m; i0 += 4) {
      packA(a, transA, m, k, i0, p0, kc, scale, ap);
      const rows = min(4, m - i0);
      for (let j0 = upperOnly ? i0 : 0; j0 < n; j0 += 4) {
        const cols = min(4, n - j0);
        micro(ap, bpack + (<usize>(j0 >> 2) * kc << 5), kc, c + ((<usize>i0 * n + j0) << 3), n, rows, cols, add);
      }
    }
  }
}

/**
 * U (d×d) (+)= Zᵀ·diag(scale)·Z for Z (n×d), computing only the 4×4 blocks on or above the diagonal (mirror them
 * with addMirrored). A panel of Zᵀ is a panel of Z's columns, so one packing serves both operands (plus a scaled
 * copy when scale ≠ 0). `work` needs 2·32·KC·⌈d/4⌉ bytes (syrkWorkBytes).
 */
export function syrkUpper(z: usize, n: i32, d: i32, scale: usize, u: usize, accumulate: bool, work: usize): void {
  const panels = (d + 3) >> 2;
  const bp = work;
  const sp = work + ((<usize>KC * panels) << 5);
  if (n == 0) {
    if (!accumulate) memory.fill(u, 0, (<usize>d * d) << 3);
    return;
  }
  for (let p0 = 0; p0 < n; p0 += KC) {
    const kc = min(KC, n - p0);
    packBBlock(z, n, d, p0, kc, bp);
    let ap = bp;
    if (scale) {
      ap = sp;
      for (let jp = 0; jp < panels; jp++) {
        const base = (<usize>jp * kc) << 5;
        for (let p = 0; p < kc; p++) {
          const w = v128.load64_splat(scale + (<usize>(p0 + p) << 3));
          const o = base + (<usize>p << 5);
          v128.store(sp + o, f64x2.mul(w, v128.load(bp + o)));
          v128.store(sp + o, f64x2.mul(w, v128.load(bp + o, 16)), 16);
        }
      }
    }
    const add = accumulate || p0 > 0;
    for (let ip = 0; ip < panels; ip++) {
      const i0 = ip << 2;
      const rows = min(4, d - i0);
      for (let jp = ip; jp < panels; jp++) {
        const j0 = jp << 2;
        micro(ap + ((<usize>ip * kc) << 5), bp + ((<usize>jp * kc) << 5), kc, u + ((<usize>i0 * d + j0) << 3), d, rows, min(4, d - j0), add);
      }
    }
  }
}

export function syrkWorkBytes(d: i32): usize {
  return (<usize>KC * ((d + 3) >> 2)) << 6;
}

/** Packs all of B (k×n) in gemm's panel layout, KC-deep block after block: gemmPacked then skips packing it. */
export function packB(b: usize, k: i32, n: i32, out: usize): void {
  const panels = (n + 3) >> 2;
  for (let p0 = 0; p0 < k; p0 += KC) packBBlock(b, k, n, p0, min(KC, k - p0), out + ((<usize>p0 * panels) << 5));
}

export function packedBytes(k: i32, n: i32): usize {
  return (<usize>k * ((n + 3) >> 2)) << 5;
}

/** C (m×n) = A·B for A (m×k) and B given packed by `packB`. `work` needs 32·KC bytes. */
export function gemmPacked(a: usize, bp: usize, c: usize, m: i32, k: i32, n: i32, work: usize): void {
  const panels = (n + 3) >> 2;
  if (k == 0) {
    memory.fill(c, 0, (<usize>m * n) << 3);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const block = bp + ((<usize>p0 * panels) << 5);
    for (let i0 = 0; i0 < m; i0 += 4) {
      packA(a, false, m, k, i0, p0, kc, 0, work);
      const rows = min(4, m - i0);
      for (let j0 = 0; j0 < n; j0 += 4)
        micro(work, block + (<usize>(j0 >> 2) * kc << 5), kc, c + ((<usize>i0 * n + j0) << 3), n, rows, min(4, n - j0), p0 > 0);
    }
  }
}

export function gemmWorkBytes(n: i32): usize {
  return (<usize>KC << 5) + ((<usize>KC * ((n + 3) >> 2)) << 5);
}

/**
 * Packs all of A (m×k) into the panels `gemm` packs it into block by block: KC-deep block p0 (⌈m/4⌉ panels of 4×kc)
 * at out + 32·p0·⌈m/4⌉, its panel i0 at 32·(i0/4)·kc inside it. `gemmPackedA` then multiplies it into many B
 * without packing A again.
 */
export function packAAll(a: usize, m: i32, k: i32, out: usize): void {
  const panels = (m + 3) >> 2;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const block = out + ((<usize>p0 * panels) << 5);
    for (let i0 = 0; i0 < m; i0 += 4) packA(a, false, m, k, i0, p0, kc, 0, block + ((<usize>(i0 >> 2) * kc) << 5));
  }
}

export function packedABytes(m: i32, k: i32): usize {
  return (<usize>k * ((m + 3) >> 2)) << 5;
}

/**
 * C (m×n) = A·B for A packed by `packAAll`: the same panels, micro-kernel calls and order as `gemm` (no transpose,
 * no scale, no accumulate), so the same numbers. `work` needs 32·KC·⌈n/4⌉ bytes (gemmWorkBytes suffices).
 */
export function gemmPackedA(ap: usize, b: usize, c: usize, m: i32, k: i32, n: i32, work: usize): void {
  const panels = (m + 3) >> 2;
  if (k == 0) {
    memory.fill(c, 0, (<usize>m * n) << 3);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    packBBlock(b, k, n, p0, kc, work);
    const block = ap + ((<usize>p0 * panels) << 5);
    for (let i0 = 0; i0 < m; i0 += 4) {
      const rows = min(4, m - i0);
      const panel = block + ((<usize>(i0 >> 2) * kc) << 5);
      for (let j0 = 0; j0 < n; j0 += 4)
        micro(panel, work + ((<usize>(j0 >> 2) * kc) << 5), kc, c + ((<usize>i0 * n + j0) << 3), n, rows, min(4, n - j0), p0 > 0);
    }
  }
}

/** A (d×d) += U + Uᵀ − diag(U) for an upper-block result U of a syrk (the blocks below the diagonal are garbage). */
export function addMirrored(u: usize, d: i32, a: usize): void {
  for (let i = 0; i < d; i++) {
    const ii = (<usize>i * d + i) << 3;
    store<f64>(a + ii, load<f64>(a + ii) + load<f64>(u + ii));
    for (let j = i + 1; j < d; j++) {
      const v = load<f64>(u + ((<usize>i * d + j) << 3));
      const ij = a + ((<usize>i * d + j) << 3);
      const ji = a + ((<usize>j * d + i) << 3);
      store<f64>(ij, load<f64>(ij) + v);
      store<f64>(ji, load<f64>(ji) + v);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// gemv, triangular solves, Mahalanobis norms.

/** y = A·x for A (m×n). */
export function gemv(a: usize, m: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < m; i++) store<f64>(y + (<usize>i << 3), dot(a + ((<usize>i * n) << 3), x, n));
}

@inline
function dot(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0),
    s1 = f64x2.splat(0);
  let p = 0;
  for (; p + 4 <= n; p += 4) {
    const o = <usize>p << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  const s = f64x2.add(s0, s1);
  let r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; p < n; p++) r += load<f64>(a + (<usize>p << 3)) * load<f64>(b + (<usize>p << 3));
  return r;
}

/**
 * Solves L·xᵢ = bᵢ in place for n right-hand sides stored as rows of B (n×d), L lower triangular (d×d): forward
 * substitution on two rows at a time, one per f64x2 lane.
 */
export function trsmLowerRows(l: usize, d: i32, b: usize, n: i32): void {
  let r = 0;
  const rowBytes = <usize>d << 3;
  for (; r + 2 <= n; r += 2) {
    const x0 = b + <usize>r * rowBytes;
    const x1 = x0 + rowBytes;
    for (let i = 0; i < d; i++) {
      const li = l + <usize>i * rowBytes;
      let s = f64x2.splat(0);
      for (let j = 0; j < i; j++) {
        const o = <usize>j << 3;
        const v = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + o)), 1, load<f64>(x1 + o));
        s = f64x2.add(s, f64x2.mul(v128.load64_splat(li + o), v));
      }
      const o = <usize>i << 3;
      const diag = load<f64>(li + o);
      store<f64>(x0 + o, (load<f64>(x0 + o) - f64x2.extract_lane(s, 0)) / diag);
      store<f64>(x1 + o, (load<f64>(x1 + o) - f64x2.extract_lane(s, 1)) / diag);
    }
  }
  for (; r < n; r++) {
    const x = b + <usize>r * rowBytes;
    for (let i = 0; i < d; i++) {
      const li = l + <usize>i * rowBytes;
      const o = <usize>i << 3;
      store<f64>(x + o, (load<f64>(x + o) - dot(li, x, i)) / load<f64>(li + o));
    }
  }
}

/**
 * out[i] = ‖M·vᵢ‖ for the n rows vᵢ of V (n×d), given Mᵀ (d×d; M = L⁻¹ gives the Σ⁻¹-norm): chunks of rows go
 * through the gemm, then each row's sum of squares. `tmp` holds CHUNK·d doubles, `work` gemmWorkBytes(d).
 */
export function rowNormsOfProduct(v: usize, n: i32, d: i32, mt: usize, out: usize, tmp: usize, work: usize): void {
  const CHUNK = 256;
  for (let r0 = 0; r0 < n; r0 += CHUNK) {
    const rows = min(CHUNK, n - r0);
    gemm(v + ((<usize>r0 * d) << 3), mt, tmp, rows, d, d, false, 0, false, false, work);
    for (let r = 0; r < rows; r++) {
      const row = tmp + ((<usize>r * d) << 3);
      store<f64>(out + (<usize>(r0 + r) << 3), Math.sqrt(dot(row, row, d)));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// exp on f64x2: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to degree 13 (truncation below
// 2e-17 relative), then the scale 2^k applied as two halves so subnormal results come out right. Inputs below
// −746 (and −∞) give 0; inputs above 709.78 overflow to +∞. Tested against Math.exp in test/wasm-kernels.test.ts.

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const SHIFTER: f64 = 6755399441055744.0; // 2^52 + 2^51: adding it leaves round(k) in the low mantissa bits

@inline
function expV(x: v128): v128 {
  // pmin/pmax are the plain SSE min/max (wasm's min/max add NaN and −0 handling this clamp does not need).
  x = f64x2.pmin(f64x2.pmax(x, f64x2.splat(-746.0)), f64x2.splat(709.8));
  const kf = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI))), f64x2.mul(kf, f64x2.splat(LN2_LO)));
  // e^r = 1 + (r + r²·Q(r)) with Q = Σ_{i≥2} r^{i−2}/i! by Estrin's scheme: a short dependency chain, so
  // consecutive lanes overlap, and the 1 added last keeps the error within 1 ulp.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const q01 = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const q23 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const q45 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const q67 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const q89 = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const qab = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const q03 = f64x2.add(q01, f64x2.mul(r2, q23));
  const q47 = f64x2.add(q45, f64x2.mul(r2, q67));
  const q8b = f64x2.add(q89, f64x2.mul(r2, qab));
  const q = f64x2.add(f64x2.add(q03, f64x2.mul(r4, q47)), f64x2.mul(r8, q8b));
  const p = f64x2.add(f64x2.splat(1.0), f64x2.add(r, f64x2.mul(r2, q)));
  // 2^k as 2^k1·2^k2 with k1 = ⌊k/2⌋ (so subnormal results come out right), exponents built from the bits of
  // k + 2^52 + 2^51 (the low mantissa bits then hold k as an integer).
  const k1f = f64x2.floor(f64x2.mul(kf, f64x2.splat(0.5)));
  const k2f = f64x2.sub(kf, k1f);
  const bias = i64x2.splat(1023);
  const s1 = i64x2.shl(i64x2.add(i64x2.sub(f64x2.add(k1f, f64x2.splat(SHIFTER)), f64x2.splat(SHIFTER)), bias), 52);
  const s2 = i64x2.shl(i64x2.add(i64x2.sub(f64x2.add(k2f, f64x2.splat(SHIFTER)), f64x2.splat(SHIFTER)), bias), 52);
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

// log on f64x2: x = 2^e·m with m ∈ [√½, √2) (subnormals scaled by 2^54 first), log m = 2·atanh(s) with
// s = (m − 1)/(m + 1), |s| ≤ 0.1716, by its odd series to s^23 (truncation below 1e-17 relative), then
// e·ln2 added in two parts. log 0 = −∞. Inputs are probabilities: negative, NaN and +∞ inputs are not handled.
const SQRT2: f64 = 1.4142135623730951;

@inline
function toF64(e: v128): v128 {
  // i64 lanes (|e| < 2^51) to f64: add the bits of 2^52 + 2^51, reinterpret, subtract it.
  return f64x2.sub(i64x2.add(e, f64x2.splat(SHIFTER)), f64x2.splat(SHIFTER));
}

@inline
function logV(x: v128): v128 {
  const tiny = f64x2.lt(x, f64x2.splat(2.2250738585072014e-308));
  const xs = v128.bitselect(f64x2.mul(x, f64x2.splat(18014398509481984.0)), x, tiny); // × 2^54
  let e = i64x2.sub(i64x2.shr_u(xs, 52), i64x2.splat(1023));
  e = v128.bitselect(i64x2.sub(e, i64x2.splat(54)), e, tiny);
  let m = v128.or(v128.and(xs, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, f64x2.splat(SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = i64x2.sub(e, big); // big lanes are all ones (−1): e + 1
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const sv = f64x2.div(f, f64x2.add(f, f64x2.splat(2.0)));
  const z = f64x2.mul(sv, sv);
  // q(z) = 1/3 + z/5 + … + z^10/23 by Estrin's scheme (see expV).
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const z8 = f64x2.mul(z4, z4);
  const q01 = f64x2.add(f64x2.splat(1.0 / 3.0), f64x2.mul(z, f64x2.splat(1.0 / 5.0)));
  const q23 = f64x2.add(f64x2.splat(1.0 / 7.0), f64x2.mul(z, f64x2.splat(1.0 / 9.0)));
  const q45 = f64x2.add(f64x2.splat(1.0 / 11.0), f64x2.mul(z, f64x2.splat(1.0 / 13.0)));
  const q67 = f64x2.add(f64x2.splat(1.0 / 15.0), f64x2.mul(z, f64x2.splat(1.0 / 17.0)));
  const q89 = f64x2.add(f64x2.splat(1.0 / 19.0), f64x2.mul(z, f64x2.splat(1.0 / 21.0)));
  const q03 = f64x2.add(q01, f64x2.mul(z2, q23));
  const q47 = f64x2.add(q45, f64x2.mul(z2, q67));
  const q8a = f64x2.add(q89, f64x2.mul(z2, f64x2.splat(1.0 / 23.0)));
  const q = f64x2.add(f64x2.add(q03, f64x2.mul(z4, q47)), f64x2.mul(z8, q8a));
  // log m = 2s + 2s·z·q: within 2 ulp because |2s·z·q| ≤ 0.0034·|2s|.
  const logm = f64x2.add(f64x2.add(sv, sv), f64x2.mul(f64x2.add(sv, sv), f64x2.mul(z, q)));
  const ef = toF64(e);
  const r = f64x2.add(f64x2.mul(ef, f64x2.splat(LN2_HI)), f64x2.add(logm, f64x2.mul(ef, f64x2.splat(LN2_LO))));
  return v128.bitselect(f64x2.splat(-Infinity), r, f64x2.eq(x, f64x2.splat(0)));
}

/** out[i] = log(x[i]) for n values x ≥ 0 (out may equal x). */
export function logArray(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), logV(v128.load(x + (<usize>i << 3))));
  if (i < n) {
    const v = logV(f64x2.splat(load<f64>(x + (<usize>i << 3))));
    store<f64>(out + (<usize>i << 3), f64x2.extract_lane(v, 0));
  }
}

/**
 * The Gibbs policy of a reward: probs[x, a] ∝ π0(a|x)·e^{r(x,a)/η}, computed as the row softmax of
 * log π0 + r·invEta, with log Z(x) in logZ. The caller guarantees |r|·invEta < 1e300 (no overflow) and a
 * positive π0 somewhere in every row.
 */
export function gibbsRows(p0: usize, r: usize, invEta: f64, X: i32, A: i32, probs: usize, logZ: usize): void {
  const n = <usize>X * A;
  const ie = f64x2.splat(invEta);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const o = i << 3;
    v128.store(probs + o, f64x2.add(logV(v128.load(p0 + o)), f64x2.mul(v128.load(r + o), ie)));
  }
  if (i < n) {
    const o = i << 3;
    const v = f64x2.add(logV(f64x2.splat(load<f64>(p0 + o))), f64x2.splat(load<f64>(r + o) * invEta));
    store<f64>(probs + o, f64x2.extract_lane(v, 0));
  }
  softmaxRows(probs, X, A, logZ);
}

/** out[i] = exp(x[i]) for n values (out may equal x). */
export function expArray(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), expV(v128.load(x + (<usize>i << 3))));
  if (i < n) {
    const v = expV(f64x2.splat(load<f64>(x + (<usize>i << 3))));
    store<f64>(out + (<usize>i << 3), f64x2.extract_lane(v, 0));
  }
}

/**
 * Row softmax in place for a rows×cols matrix, writing log Σ exp of each row to lse (the max is subtracted first,
 * so no row overflows). A row of all −∞ gives lse = −∞ and a row of NaN-free zeros... is left as exp(−∞ − −∞):
 * callers never pass one (a Gibbs row always has π0 > 0 somewhere).
 */
export function softmaxRows(x: usize, rows: i32, cols: i32, lse: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * cols) << 3);
    let mx = -Infinity;
    for (let a = 0; a < cols; a++) mx = max(mx, load<f64>(row + (<usize>a << 3)));
    const m2 = f64x2.splat(mx);
    let s = f64x2.splat(0);
    let a = 0;
    for (; a + 2 <= cols; a += 2) {
      const o = row + (<usize>a << 3);
      const e = expV(f64x2.sub(v128.load(o), m2));
      v128.store(o, e);
      s = f64x2.add(s, e);
    }
    let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    if (a < cols) {
      const o = row + (<usize>a << 3);
      const e = f64x2.extract_lane(expV(f64x2.splat(load<f64>(o) - mx)), 0);
      store<f64>(o, e);
      sum += e;
    }
    const inv = 1.0 / sum;
    for (let q = 0; q < cols; q++) {
      const o = row + (<usize>q << 3);
      store<f64>(o, load<f64>(o) * inv);
    }
    store<f64>(lse + (<usize>r << 3), mx + Math.log(sum));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The enhancer's tilts in lockstep. For K directions with scores Sᵀ (K × X·A, one contiguous row per direction)
// and base log-probabilities logBase (X·A), evaluate `nActive` (direction idx_j, size c_j) pairs at once:
//   P[j, xa] = w_x·π_c(a|x) with π_c ∝ π_base·exp(c_j·S[idx_j, xa])   (P is nActive × X·A),
//   kl[j]    = Σ_x w_x·max(0, c_j·E_{π_c}S − log E_{π_base} e^{c_j S}).
// Lanes of f64x2 hold two adjacent actions of one direction, so every load and store is contiguous; the means
// E_x φ(x, π_c) are then one gemm P·Φ.

export function tiltSoftmax(
  logBase: usize,
  sT: usize,
  X: i32,
  A: i32,
  idx: usize,
  cs: usize,
  nActive: i32,
  w: usize,
  p: usize,
  kl: usize,
): void {
  const XA = <usize>X * A;
  const even = A & ~1;
  for (let j = 0; j < nActive; j++) {
    const srow = sT + ((<usize>load<i32>(idx + (<usize>j << 2)) * XA) << 3);
    const prow = p + ((<usize>j * XA) << 3);
    const cj = load<f64>(cs + (<usize>j << 3));
    const c = f64x2.splat(cj);
    let klSum = 0.0;
    for (let x = 0; x < X; x++) {
      const o = (<usize>x * A) << 3;
      const lb = logBase + o;
      const sr = srow + o;
      const pr = prow + o;
      let mv = f64x2.splat(-Infinity);
      let a = 0;
      for (; a < even; a += 2) {
        const q = <usize>a << 3;
        mv = f64x2.pmax(mv, f64x2.add(v128.load(lb + q), f64x2.mul(c, v128.load(sr + q))));
      }
      let mx = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
      if (a < A) mx = max(mx, load<f64>(lb + (<usize>a << 3)) + cj * load<f64>(sr + (<usize>a << 3)));
      const m2 = f64x2.splat(mx);
      let sum = f64x2.splat(0);
      let es = f64x2.splat(0);
      for (a = 0; a < even; a += 2) {
        const q = <usize>a << 3;
        const sv = v128.load(sr + q);
        const e = expV(f64x2.sub(f64x2.add(v128.load(lb + q), f64x2.mul(c, sv)), m2));
        v128.store(pr + q, e);
        sum = f64x2.add(sum, e);
        es = f64x2.add(es, f64x2.mul(e, sv));
      }
      let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
      let esTotal = f64x2.extract_lane(es, 0) + f64x2.extract_lane(es, 1);
      if (a < A) {
        const q = <usize>a << 3;
        const sv = load<f64>(sr + q);
        const e = f64x2.extract_lane(expV(f64x2.splat(load<f64>(lb + q) + cj * sv - mx)), 0);
        store<f64>(pr + q, e);
        total += e;
        esTotal += e * sv;
      }
      const wx = load<f64>(w + (<usize>x << 3));
      const scale = wx / total;
      const sc = f64x2.splat(scale);
      for (a = 0; a < even; a += 2) {
        const q = pr + (<usize>a << 3);
        v128.store(q, f64x2.mul(v128.load(q), sc));
      }
      if (a < A) {
        const q = pr + (<usize>a << 3);
        store<f64>(q, load<f64>(q) * scale);
      }
      // log Σ_a π_base·e^{c s} = mx + log(total) (logBase is normalised); E_{π_c} s = esTotal / total.
      klSum += wx * max(0.0, (cj * esTotal) / total - (mx + Math.log(total)));
    }
    store<f64>(kl + (<usize>j << 3), klSum);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bradley-Terry: for rows zᵢ = φ(winner) − φ(loser) of Z (n×d), at θ: the margins mᵢ = <zᵢ, θ>, the loss
// Σ log(1 + e^{−mᵢ}), the gradient −Σ σ(−mᵢ)·zᵢ (added to grad) and the IRLS weights σ(mᵢ)σ(−mᵢ) (for the
// Hessian as a weighted syrk). Returns the loss.

export function btAccumulate(z: usize, n: i32, d: i32, theta: usize, grad: usize, weights: usize): f64 {
  let loss = 0.0;
  const rowBytes = <usize>d << 3;
  for (let i = 0; i < n; i++) {
    const row = z + <usize>i * rowBytes;
    const m = dot(row, theta, d);
    // log(1 + e^{−m}) and σ(−m) without overflow for either sign of m
    let sp: f64, sneg: f64, spos: f64;
    if (m >= 0) {
      const e = Math.exp(-m);
      sp = Math.log1p(e);
      sneg = e / (1 + e);
      spos = 1 / (1 + e);
    } else {
      const e = Math.exp(m);
      sp = -m + Math.log1p(e);
      sneg = 1 / (1 + e);
      spos = e / (1 + e);
    }
    loss += sp;
    const g = f64x2.splat(-sneg);
    let k = 0;
    for (; k + 2 <= d; k += 2) {
      const o = <usize>k << 3;
      v128.store(grad + o, f64x2.add(v128.load(grad + o), f64x2.mul(g, v128.load(row + o))));
    }
    for (; k < d; k++) {
      const o = <usize>k << 3;
      store<f64>(grad + o, load<f64>(grad + o) - sneg * load<f64>(row + o));
    }
    if (weights) store<f64>(weights + (<usize>i << 3), spos * sneg);
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------------------------
// Bradley-Terry over indexed pairs: the rows zᵢ = φ(wᵢ) − φ(lᵢ) are built in chunks of PAIR_CHUNK from a feature
// table (f64, or f32 when `f32`), so n pairs over m candidates cost m·d values of memory, not n·d. Returns the loss;
// adds the gradient to grad and, when upper ≠ 0, Σ σ(mᵢ)σ(−mᵢ)·zᵢzᵢᵀ to the upper blocks of upper (accumulating:
// zero it first, mirror it after). zbuf holds PAIR_CHUNK·d f64, wbuf PAIR_CHUNK f64, work syrkWorkBytes(d).

const PAIR_CHUNK: i32 = 256;

export function btPairs(
  feat: usize,
  f32: bool,
  d: i32,
  win: usize,
  lose: usize,
  n: i32,
  theta: usize,
  grad: usize,
  upper: usize,
  zbuf: usize,
  wbuf: usize,
  work: usize,
): f64 {
  let loss = 0.0;
  const rowBytes = <usize>d << 3;
  for (let r0 = 0; r0 < n; r0 += PAIR_CHUNK) {
    const rows = min(PAIR_CHUNK, n - r0);
    for (let r = 0; r < rows; r++) {
      const w = <usize>load<i32>(win + (<usize>(r0 + r) << 2));
      const l = <usize>load<i32>(lose + (<usize>(r0 + r) << 2));
      const z = zbuf + <usize>r * rowBytes;
      if (f32) {
        const fw = feat + ((w * d) << 2);
        const fl = feat + ((l * d) << 2);
        let k = 0;
        for (; k + 2 <= d; k += 2) {
          const a = f64x2.promote_low_f32x4(v128.load64_zero(fw + (<usize>k << 2)));
          const b = f64x2.promote_low_f32x4(v128.load64_zero(fl + (<usize>k << 2)));
          v128.store(z + (<usize>k << 3), f64x2.sub(a, b));
        }
        for (; k < d; k++)
          store<f64>(z + (<usize>k << 3), <f64>load<f32>(fw + (<usize>k << 2)) - <f64>load<f32>(fl + (<usize>k << 2)));
      } else {
        const fw = feat + ((w * d) << 3);
        const fl = feat + ((l * d) << 3);
        let k = 0;
        for (; k + 2 <= d; k += 2) {
          const o = <usize>k << 3;
          v128.store(z + o, f64x2.sub(v128.load(fw + o), v128.load(fl + o)));
        }
        for (; k < d; k++) store<f64>(z + (<usize>k << 3), load<f64>(fw + (<usize>k << 3)) - load<f64>(fl + (<usize>k << 3)));
      }
    }
    loss += btAccumulate(zbuf, rows, d, theta, grad, upper ? wbuf : 0);
    if (upper) syrkUpper(zbuf, rows, d, wbuf, upper, true, work);
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------------------------
// Markov-chain sweeps (the sequence bandit's backward and forward passes). Each output is computed with the same
// floating-point operations in the same order as the TypeScript loops of src/markov-sweeps.ts (mul then add, no
// reassociation; the two lanes of f64x2 hold two independent outputs), so both backends give identical numbers.

/** kT (n × rp) = Kᵀ for K rows × n, rp = rows rounded up to even; the padding column is zero. */
export function transposeRowsPadded(k: usize, rows: i32, n: i32, kT: usize): void {
  const rp = (rows + 1) & ~1;
  for (let v = 0; v < n; v++) {
    const o = kT + ((<usize>v * rp) << 3);
    for (let s = 0; s < rows; s++) store<f64>(o + (<usize>s << 3), load<f64>(k + ((<usize>s * n + v) << 3)));
    if (rp > rows) store<f64>(o + (<usize>rows << 3), 0);
  }
}

/**
 * The forward pass of a feature covariance over one prompt's dense Markov rows (position-dependent: row (t, s) at
 * probs + ((t·(V+1) + s)·V)·8, s ≤ V with s = V the start), with mu the state marginals ((L+1)×(V+1)) and ψ
 * ((V+1)·V × d): F_0 = 0, and for t < L, every s with μ_t(s) ≠ 0 and v with p = π_t(v|s) ≠ 0, in that order,
 * occ[s·V+v] += (w·μ)·p, G[(s·V+v)·d + k] += (w·p)·F_t(s)_k and F_{t+1}(v)_k += p·(F_t(s)_k + μ·ψ(s,v)_k). Lanes are k:
 * each entry gets the same operations in the same order as the scalar loop. F and next hold (V+1)·d each.
 */
export function covarianceForward(
  probs: usize,
  mu: usize,
  V: i32,
  L: i32,
  psi: usize,
  d: i32,
  w: f64,
  occ: usize,
  G: usize,
  F: usize,
  next: usize,
): void {
  const dBytes = <usize>d << 3;
  const span = <usize>(V + 1) * dBytes;
  const pairs = d & ~1;
  let f = F,
    nx = next;
  memory.fill(f, 0, span);
  for (let t = 0; t < L; t++) {
    memory.fill(nx, 0, span);
    for (let s = 0; s <= V; s++) {
      const m = load<f64>(mu + ((<usize>t * (V + 1) + s) << 3));
      if (m == 0) continue;
      const row = probs + ((<usize>(t * (V + 1) + s) * V) << 3);
      const fs = f + <usize>s * dBytes;
      const mm = f64x2.splat(m);
      const wm = w * m;
      for (let v = 0; v < V; v++) {
        const p = load<f64>(row + (<usize>v << 3));
        if (p == 0) continue;
        const i = <usize>s * V + v;
        const oi = occ + (i << 3);
        store<f64>(oi, load<f64>(oi) + wm * p);
        const g = G + i * dBytes;
        const nv = nx + <usize>v * dBytes;
        const ps = psi + i * dBytes;
        const wp = w * p;
        const wpv = f64x2.splat(wp);
        const pv = f64x2.splat(p);
        let k = 0;
        for (; k < pairs; k += 2) {
          const o = <usize>k << 3;
          const fk = v128.load(fs + o);
          v128.store(g + o, f64x2.add(v128.load(g + o), f64x2.mul(wpv, fk)));
          v128.store(nv + o, f64x2.add(v128.load(nv + o), f64x2.mul(pv, f64x2.add(fk, f64x2.mul(mm, v128.load(ps + o))))));
        }
        for (; k < d; k++) {
          const o = <usize>k << 3;
          const fk = load<f64>(fs + o);
          store<f64>(g + o, load<f64>(g + o) + wp * fk);
          store<f64>(nv + o, load<f64>(nv + o) + p * (fk + m * load<f64>(ps + o)));
        }
      }
    }
    const tmp = f;
    f = nx;
    nx = tmp;
  }
}

/**
 * out[s] = Σ_v K[s, v]·u[v] for s < rp from kT = Kᵀ (n × rp, see transposeRowsPadded), each sum running over v in
 * order from 0: a lane is a row, eight rows per sweep, so four independent accumulators hide the add latency.
 */
export function rowSumsT(kT: usize, rows: i32, n: i32, u: usize, out: usize): void {
  const rp = (rows + 1) & ~1;
  const stride = <usize>rp << 3;
  let s = 0;
  for (; s + 8 <= rp; s += 8) {
    let a0 = f64x2.splat(0),
      a1 = f64x2.splat(0),
      a2 = f64x2.splat(0),
      a3 = f64x2.splat(0);
    let p = kT + (<usize>s << 3);
    for (let v = 0; v < n; v++) {
      const m = v128.load64_splat(u + (<usize>v << 3));
      a0 = f64x2.add(a0, f64x2.mul(v128.load(p), m));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(p, 16), m));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(p, 32), m));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(p, 48), m));
      p += stride;
    }
    const o = out + (<usize>s << 3);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; s < rp; s += 2) {
    let a0 = f64x2.splat(0);
    let p = kT + (<usize>s << 3);
    for (let v = 0; v < n; v++) {
      a0 = f64x2.add(a0, f64x2.mul(v128.load(p), v128.load64_splat(u + (<usize>v << 3))));
      p += stride;
    }
    v128.store(out + (<usize>s << 3), a0);
  }
}

/**
 * The forward sweep over positions t = 1..L−1 of a Markov chain whose step-t rows are π_t(v|s) = K[s,v]·u_t[v]/z_t[s]
 * (s, v < V; u_t at u + t·stride, z_t at z + t·stride): with mu the mass at position 1 (V entries, overwritten),
 * occ[s·V + v] += Σ_t μ_t(s)·π_t(v|s) and μ_{t+1}(v) = Σ_s μ_t(s)·π_t(v|s). Rows four at a time, lanes are v; the
 * terms q = (μ/z)·K·u are added in s order (a zero μ adds exact zeros, as the skipping loop of the reference).
 */
export function markovForward(
  k: usize,
  V: i32,
  u: usize,
  z: usize,
  stride: i32,
  L: i32,
  mu: usize,
  next: usize,
  occ: usize,
): void {
  const rowBytes = <usize>V << 3;
  for (let t = 1; t < L; t++) {
    memory.fill(next, 0, rowBytes);
    const ut = u + ((<usize>t * stride) << 3);
    const zt = z + ((<usize>t * stride) << 3);
    let s = 0;
    for (; s + 4 <= V; s += 4) {
      const ms = mu + (<usize>s << 3);
      const zs = zt + (<usize>s << 3);
      const c0 = f64x2.splat(load<f64>(ms) / load<f64>(zs));
      const c1 = f64x2.splat(load<f64>(ms, 8) / load<f64>(zs, 8));
      const c2 = f64x2.splat(load<f64>(ms, 16) / load<f64>(zs, 16));
      const c3 = f64x2.splat(load<f64>(ms, 24) / load<f64>(zs, 24));
      const k0 = k + ((<usize>s * V) << 3);
      const o0 = occ + ((<usize>s * V) << 3);
      let v = 0;
      for (; v + 2 <= V; v += 2) {
        const vo = <usize>v << 3;
        const uv = v128.load(ut + vo);
        const q0 = f64x2.mul(f64x2.mul(c0, v128.load(k0 + vo)), uv);
        const q1 = f64x2.mul(f64x2.mul(c1, v128.load(k0 + rowBytes + vo)), uv);
        const q2 = f64x2.mul(f64x2.mul(c2, v128.load(k0 + 2 * rowBytes + vo)), uv);
        const q3 = f64x2.mul(f64x2.mul(c3, v128.load(k0 + 3 * rowBytes + vo)), uv);
        v128.store(o0 + vo, f64x2.add(v128.load(o0 + vo), q0));
        v128.store(o0 + rowBytes + vo, f64x2.add(v128.load(o0 + rowBytes + vo), q1));
        v128.store(o0 + 2 * rowBytes + vo, f64x2.add(v128.load(o0 + 2 * rowBytes + vo), q2));
        v128.store(o0 + 3 * rowBytes + vo, f64x2.add(v128.load(o0 + 3 * rowBytes + vo), q3));
        v128.store(next + vo, f64x2.add(f64x2.add(f64x2.add(f64x2.add(v128.load(next + vo), q0), q1), q2), q3));
      }
      for (; v < V; v++) {
        const vo = <usize>v << 3;
        const uv = load<f64>(ut + vo);
        const q0 = f64x2.extract_lane(c0, 0) * load<f64>(k0 + vo) * uv;
        const q1 = f64x2.extract_lane(c1, 0) * load<f64>(k0 + rowBytes + vo) * uv;
        const q2 = f64x2.extract_lane(c2, 0) * load<f64>(k0 + 2 * rowBytes + vo) * uv;
        const q3 = f64x2.extract_lane(c3, 0) * load<f64>(k0 + 3 * rowBytes + vo) * uv;
        store<f64>(o0 + vo, load<f64>(o0 + vo) + q0);
        store<f64>(o0 + rowBytes + vo, load<f64>(o0 + rowBytes + vo) + q1);
        store<f64>(o0 + 2 * rowBytes + vo, load<f64>(o0 + 2 * rowBytes + vo) + q2);
        store<f64>(o0 + 3 * rowBytes + vo, load<f64>(o0 + 3 * rowBytes + vo) + q3);
        store<f64>(next + vo, load<f64>(next + vo) + q0 + q1 + q2 + q3);
      }
    }
    for (; s < V; s++) {
      const m = load<f64>(mu + (<usize>s << 3));
      if (m == 0) continue;
      const c = m / load<f64>(zt + (<usize>s << 3));
      const k0 = k + ((<usize>s * V) << 3);
      const o0 = occ + ((<usize>s * V) << 3);
      for (let v = 0; v < V; v++) {
        const vo = <usize>v << 3;
        const q = c * load<f64>(k0 + vo) * load<f64>(ut + vo);
        store<f64>(o0 + vo, load<f64>(o0 + vo) + q);
        store<f64>(next + vo, load<f64>(next + vo) + q);
      }
    }
    memory.copy(mu, next, rowBytes);
  }
}

/**
 * out[k] += Σ_i (w[i]/div)·a[i·d + k] for i < n and k < d, the terms added in i order, four rows of a per sweep;
 * lanes are k. A zero weight adds exact zeros (a is finite), as the reference loop that skips it.
 */
export function addWeightedRows(w: usize, n: i32, div: f64, a: usize, d: i32, out: usize): void {
  const rowBytes = <usize>d << 3;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = w + (<usize>i << 3);
    const c0 = load<f64>(wi) / div,
      c1 = load<f64>(wi, 8) / div,
      c2 = load<f64>(wi, 16) / div,
      c3 = load<f64>(wi, 24) / div;
    const s0 = f64x2.splat(c0),
      s1 = f64x2.splat(c1),
      s2 = f64x2.splat(c2),
      s3 = f64x2.splat(c3);
    const a0 = a + <usize>i * rowBytes;
    let k = 0;
    for (; k + 2 <= d; k += 2) {
      const ko = <usize>k << 3;
      let acc = v128.load(out + ko);
      acc = f64x2.add(acc, f64x2.mul(s0, v128.load(a0 + ko)));
      acc = f64x2.add(acc, f64x2.mul(s1, v128.load(a0 + rowBytes + ko)));
      acc = f64x2.add(acc, f64x2.mul(s2, v128.load(a0 + 2 * rowBytes + ko)));
      acc = f64x2.add(acc, f64x2.mul(s3, v128.load(a0 + 3 * rowBytes + ko)));
      v128.store(out + ko, acc);
    }
    for (; k < d; k++) {
      const ko = <usize>k << 3;
      store<f64>(
        out + ko,
        load<f64>(out + ko) +
          c0 * load<f64>(a0 + ko) +
          c1 * load<f64>(a0 + rowBytes + ko) +
          c2 * load<f64>(a0 + 2 * rowBytes + ko) +
          c3 * load<f64>(a0 + 3 * rowBytes + ko),
      );
    }
  }
  for (; i < n; i++) {
    const c = load<f64>(w + (<usize>i << 3)) / div;
    if (c == 0) continue;
    const ai = a + <usize>i * rowBytes;
    for (let k = 0; k < d; k++) {
      const ko = <usize>k << 3;
      store<f64>(out + ko, load<f64>(out + ko) + c * load<f64>(ai + ko));
    }
  }
}

/**
 * One step of the second-moment recursion of a Markov chain's additive features, for state s's row: with
 * p_v = c·K[v]·u[v] (v < V; zero terms skipped), mo[a] += p_v·(ψ[v,a] + m[v,a]) and
 * Mo[a,b] += p_v·(ψ[v,a]·ψ[v,b] + ψ[v,a]·m[v,b] + m[v,a]·ψ[v,b] + M[v,a,b]) for a, b < d, each sum in that order;
 * lanes are b. ψ, m are V×d and M is V×d×d (row-major).
 */
function secondMomentRow(k: usize, u: usize, V: i32, c: f64, psi: usize, m: usize, M: usize, d: i32, mo: usize, Mo: usize): void {
  const dBytes = <usize>d << 3;
  const ddBytes = <usize>(d * d) << 3;
  for (let v = 0; v < V; v++) {
    const p = c * load<f64>(k + (<usize>v << 3)) * load<f64>(u + (<usize>v << 3));
    if (p == 0) continue;
    const pv = f64x2.splat(p);
    const ps = psi + <usize>v * dBytes;
    const mv = m + <usize>v * dBytes;
    const Mv = M + <usize>v * ddBytes;
    for (let a = 0; a < d; a++) {
      const ao = <usize>a << 3;
      const pa = load<f64>(ps + ao),
        ma = load<f64>(mv + ao);
      store<f64>(mo + ao, load<f64>(mo + ao) + p * (pa + ma));
      const pa2 = f64x2.splat(pa),
        ma2 = f64x2.splat(ma);
      const rowM = Mv + <usize>a * dBytes;
      const rowO = Mo + <usize>a * dBytes;
      let b = 0;
      for (; b + 2 <= d; b += 2) {
        const bo = <usize>b << 3;
        const pb = v128.load(ps + bo),
          mb = v128.load(mv + bo);
        const t = f64x2.add(
          f64x2.add(f64x2.add(f64x2.mul(pa2, pb), f64x2.mul(pa2, mb)), f64x2.mul(ma2, pb)),
          v128.load(rowM + bo),
        );
        v128.store(rowO + bo, f64x2.add(v128.load(rowO + bo), f64x2.mul(pv, t)));
      }
      for (; b < d; b++) {
        const bo = <usize>b << 3;
        const pb = load<f64>(ps + bo);
        store<f64>(rowO + bo, load<f64>(rowO + bo) + p * (pa * pb + pa * load<f64>(mv + bo) + ma * pb + load<f64>(rowM + bo)));
      }
    }
  }
}

/**
 * The backward second-moment recursion over positions t = L−1..1 of a shared Markov chain (rows s < V of K at
 * k + s·V, u_t at u + t·stride, z_t at z + t·stride, ψ(s, ·) at psi + s·V·d): m_t(s) = Σ_v π_t(v|s)(ψ(s,v) + m_{t+1}(v))
 * and the matching second moments M_t(s); (m, M) hold m_{t+1}, M_{t+1} on entry (zeros for t = L−1) and m_1, M_1 on
 * return; (m2, M2) are scratch of the same sizes.
 */
export function secondMomentsBackward(
  k: usize,
  u: usize,
  z: usize,
  stride: i32,
  V: i32,
  L: i32,
  psi: usize,
  d: i32,
  m: usize,
  M: usize,
  m2: usize,
  M2: usize,
): void {
  const vd = <usize>V * d;
  const vdd = vd * d;
  for (let t = L - 1; t >= 1; t--) {
    memory.fill(m2, 0, vd << 3);
    memory.fill(M2, 0, vdd << 3);
    const ut = u + ((<usize>t * stride) << 3);
    const zt = z + ((<usize>t * stride) << 3);
    for (let s = 0; s < V; s++) {
      const c = 1 / load<f64>(zt + (<usize>s << 3));
      secondMomentRow(
        k + ((<usize>s * V) << 3),
        ut,
        V,
        c,
        psi + ((<usize>s * V * d) << 3),
        m,
        M,
        d,
        m2 + ((<usize>s * d) << 3),
        M2 + ((<usize>s * d * d) << 3),
      );
    }
    memory.copy(m, m2, vd << 3);
    memory.copy(M, M2, vdd << 3);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The leaves of the prefix tree of all Vᴸ token sequences (enumerated policies on tiny sequence bandits).

/**
 * Walks the prefix tree of the Vᴸ sequences y (y₀ = V, the start) depth first, children in token order, so leaves
 * come in lexicographic order, carrying prefix sums: S_{t+1} = S_t + table[(y_{t−1}·V + y_t)·width ..] (width
 * numbers) and g_{t+1} = g_t + logs[t·logStride + y_{t−1}·V + y_t]. Leaf i gets first[i] = S_L[0],
 * norm[i] = √(Σ_k (S_L[1+k] − center[k])², summed in k order) and log[i] = g_L. Scratch: sums (L+1)·width f64,
 * g L+1 f64, path L i32.
 */
export function prefixTreeLeaves(
  table: usize,
  width: i32,
  V: i32,
  L: i32,
  center: usize,
  logs: usize,
  logStride: i32,
  sums: usize,
  g: usize,
  path: usize,
  first: usize,
  norm: usize,
  log: usize,
): void {
  const d = width - 1;
  const wBytes = <usize>width << 3;
  memory.fill(sums, 0, wBytes);
  store<f64>(g, 0);
  store<i32>(path, 0);
  let t = 0;
  let leaf: usize = 0;
  while (true) {
    const v = load<i32>(path + (<usize>t << 2));
    if (v == V) {
      if (t == 0) break;
      t--;
      const p = path + (<usize>t << 2);
      store<i32>(p, load<i32>(p) + 1);
      continue;
    }
    const s = t == 0 ? V : load<i32>(path + (<usize>(t - 1) << 2));
    const row = table + <usize>(s * V + v) * wBytes;
    const o = sums + <usize>t * wBytes;
    const n = o + wBytes;
    for (let k = 0; k < width; k++) {
      const ko = <usize>k << 3;
      store<f64>(n + ko, load<f64>(o + ko) + load<f64>(row + ko));
    }
    const gt = g + (<usize>t << 3);
    store<f64>(gt + 8, load<f64>(gt) + load<f64>(logs + (<usize>(t * logStride + s * V + v) << 3)));
    if (t + 1 == L) {
      const lo = leaf << 3;
      store<f64>(first + lo, load<f64>(n));
      let q = 0.0;
      for (let k = 0; k < d; k++) {
        const e = load<f64>(n + (<usize>(k + 1) << 3)) - load<f64>(center + (<usize>k << 3));
        q += e * e;
      }
      store<f64>(norm + lo, Math.sqrt(q));
      store<f64>(log + lo, load<f64>(gt + 8));
      leaf++;
      store<i32>(path + (<usize>t << 2), v + 1);
    } else {
      t++;
      store<i32>(path + (<usize>t << 2), 0);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// exp and log exactly as V8 computes Math.exp and Math.log (its ieee754::exp and ieee754::log, ports of fdlibm's
// e_exp.c and e_log.c, with V8's exp(1) = e), so that a kernel using them gives the numbers the TypeScript loop
// gives, bit for bit. Tested against Math.exp and Math.log on millions of inputs in test/exact-math.test.ts.

@inline
function highWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >> 32);
}

@inline
function withHighWord(x: f64, hi: i32): f64 {
  return reinterpret<f64>((<u64><u32>hi << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

const EXP_O_THRESHOLD: f64 = 7.09782712893383973096e2;
const EXP_U_THRESHOLD: f64 = -7.45133219101941108420e2;
const EXP_LN2HI: f64 = 6.93147180369123816490e-1;
const EXP_LN2LO: f64 = 1.90821492927058770002e-10;
const EXP_INVLN2: f64 = 1.44269504088896338700e0;
const EXP_P1: f64 = 1.66666666666666019037e-1;
const EXP_P2: f64 = -2.77777777770155933842e-3;
const EXP_P3: f64 = 6.61375632143793436117e-5;
const EXP_P4: f64 = -1.65339022054652515390e-6;
const EXP_P5: f64 = 4.13813679705723846039e-8;
const EXP_TWOM1000: f64 = 9.33263618503218878990e-302;
const EXP_HUGE: f64 = 1.0e300;
const E_CONSTANT: f64 = 2.718281828459045;

/** Math.exp as V8 computes it (fdlibm's __ieee754_exp). */
export function exactExp(x: f64): f64 {
  let hx = highWord(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  let hi: f64 = 0,
    lo: f64 = 0;
  let k: i32 = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <i32>(<u32>reinterpret<u64>(x))) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0; // exp(±∞) = ∞, 0
    }
    if (x > EXP_O_THRESHOLD) return EXP_HUGE * EXP_HUGE;
    if (x < EXP_U_THRESHOLD) return EXP_TWOM1000 * EXP_TWOM1000;
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return E_CONSTANT;
      hi = xsb ? x + EXP_LN2HI : x - EXP_LN2HI;
      lo = xsb ? -EXP_LN2LO : EXP_LN2LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(EXP_INVLN2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * EXP_LN2HI;
      lo = t * EXP_LN2LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    if (EXP_HUGE + x > 1.0) return 1.0 + x;
  } else k = 0;
  const t = x * x;
  const c = x - t * (EXP_P1 + t * (EXP_P2 + t * (EXP_P3 + t * (EXP_P4 + t * EXP_P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 8.98846567431158e307;
    return withHighWord(y, highWord(y) + (k << 20));
  }
  return withHighWord(y, highWord(y) + ((k + 1000) << 20)) * EXP_TWOM1000;
}

const LOG_LN2_HI: f64 = 6.93147180369123816490e-1;
const LOG_LN2_LO: f64 = 1.90821492927058770002e-10;
const LOG_TWO54: f64 = 1.80143985094819840000e16;
const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;

/** Math.log as V8 computes it (fdlibm's __ieee754_log). */
export function exactLog(x: f64): f64 {
  let hx = highWord(x);
  const lx = <i32>(<u32>reinterpret<u64>(x));
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity; // log(±0)
    if (hx < 0) return NaN; // log(negative)
    k -= 54;
    x *= LOG_TWO54; // subnormal: scale up
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // normalise x or x/2
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f == 0.0) {
      if (k == 0) return 0.0;
      const dk = <f64>k;
      return dk * LOG_LN2_HI + dk * LOG_LN2_LO;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    const dk = <f64>k;
    return dk * LOG_LN2_HI - (R - dk * LOG_LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LOG_LN2_HI - (hfsq - (s * (hfsq + R) + dk * LOG_LN2_LO) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LOG_LN2_HI - (s * (f - R) - dk * LOG_LN2_LO - f);
}

/** out[i] = exactExp(x[i]) (for the tests). */
export function exactExpArray(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), exactExp(load<f64>(x + (<usize>i << 3))));
}

/** out[i] = exactLog(x[i]) (for the tests). */
export function exactLogArray(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), exactLog(load<f64>(x + (<usize>i << 3))));
}

/**
 * The backward pass of a Markov chain's Gibbs weights over `rows` states (rows ≤ V + 1, each a kernel row of V
 * entries, given transposed and padded by transposeRowsPadded in kT), positions t = L−1..0, exactly as the
 * TypeScript loop of the sequence DP runs it: u_L = 1 (V + 1 entries at u + (L−1)·stride); at each t,
 * z_t(s) = Σ_v K(s,v)·u_{t+1}(v) (rowSumsT's order) stored at z + (t·stride + s), W_t(s) = m_s + log z_t(s), and for
 * t > 0, u_t(s) = exp(W_t(s) − max_s W_t) stored at u + ((t−1)·stride + s), the maxima added into the scale. Returns
 * the scale with W_0 left in w, or NaN with the failing position in fail[0] where some z_t(s) is not in
 * (1e-280, ∞). `sums` holds rows rounded up to even.
 */
export function gibbsBackward(
  kT: usize,
  rows: i32,
  V: i32,
  L: i32,
  rowMax: usize,
  u: usize,
  z: usize,
  stride: i32,
  w: usize,
  sums: usize,
  fail: usize,
): f64 {
  const strideBytes = <usize>stride << 3;
  const last = u + <usize>(L - 1) * strideBytes;
  for (let v = 0; v <= V; v++) store<f64>(last + (<usize>v << 3), 1.0);
  let scale = 0.0;
  for (let t = L - 1; t >= 0; t--) {
    const ut = u + <usize>t * strideBytes;
    const zt = z + <usize>t * strideBytes;
    rowSumsT(kT, rows, V, ut, sums);
    let top = -Infinity;
    for (let s = 0; s < rows; s++) {
      const so = <usize>s << 3;
      const sum = load<f64>(sums + so);
      if (!(sum > 1e-280) || !isFinite(sum)) {
        store<i32>(fail, t);
        return NaN;
      }
      store<f64>(zt + so, sum);
      const ws = load<f64>(rowMax + so) + exactLog(sum);
      store<f64>(w + so, ws);
      if (ws > top) top = ws;
    }
    if (t > 0) {
      const prev = ut - strideBytes;
      for (let s = 0; s < rows; s++) {
        const so = <usize>s << 3;
        store<f64>(prev + so, exactExp(load<f64>(w + so) - top));
      }
      scale += top;
    }
  }
  return scale;
}

/**
 * φ(x, π) for X prompts of a factored Gibbs policy over a per-prompt π0 (prompt x's kernel rows s ≤ V at
 * k + x·(V+1)·V, its messages and normalisers at u, z + x·L·(V+1), stride V+1): per prompt, the start row's
 * occupancy q_v = (1/z_0(V))·K(V,v)·u_1(v) (also the mass at position 1), then markovForward's sweep and
 * addWeightedRows(occ, (V+1)·V, L, ψ, d) into out + x·d: the steps and order of the TypeScript composition. Scratch:
 * occ (V+1)·V, mu and next V each.
 */
export function promptFeatures(
  k: usize,
  u: usize,
  z: usize,
  V: i32,
  L: i32,
  X: i32,
  psi: usize,
  d: i32,
  out: usize,
  occ: usize,
  mu: usize,
  next: usize,
): void {
  const S = (V + 1) * V;
  const stride = V + 1;
  for (let x = 0; x < X; x++) {
    const kx = k + ((<usize>x * S) << 3);
    const ux = u + ((<usize>x * L * stride) << 3);
    const zx = z + ((<usize>x * L * stride) << 3);
    memory.fill(occ, 0, <usize>S << 3);
    const c = 1.0 / load<f64>(zx + (<usize>V << 3));
    const start = kx + ((<usize>V * V) << 3);
    const startOcc = occ + ((<usize>V * V) << 3);
    for (let v = 0; v < V; v++) {
      const vo = <usize>v << 3;
      // 0 + q, as the loop that adds q into zeroed arrays (a −0 becomes +0)
      const q = 0.0 + c * load<f64>(start + vo) * load<f64>(ux + vo);
      store<f64>(startOcc + vo, q);
      store<f64>(mu + vo, q);
    }
    if (L >= 2) markovForward(kx, V, ux, zx, stride, L, mu, next, occ);
    const o = out + ((<usize>x * d) << 3);
    memory.fill(o, 0, <usize>d << 3);
    addWeightedRows(occ, S, <f64>L, psi, d, o);
  }
}
