import { KERNELS_WASM_BASE64 } from "./kernels.generated";

// The project compiles against lib ES2022 without DOM types, which is where TypeScript declares WebAssembly: the
// little used here is declared locally.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

/** The exports of assembly/kernels.ts. Pointers are byte offsets into `memory`; sizes are element counts. */
export interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  alloc(bytes: number): number;
  free(ptr: number): void;
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    scale: number,
    accumulate: number,
    upperOnly: number,
    work: number,
  ): void;
  gemmWorkBytes(n: number): number;
  packB(b: number, k: number, n: number, out: number): void;
  packedBytes(k: number, n: number): number;
  gemmPacked(a: number, bp: number, c: number, m: number, k: number, n: number, work: number): void;
  packAAll(a: number, m: number, k: number, out: number): void;
  packedABytes(m: number, k: number): number;
  gemmPackedA(ap: number, b: number, c: number, m: number, k: number, n: number, work: number): void;
  addMirrored(upper: number, d: number, a: number): void;
  syrkUpper(z: number, n: number, d: number, scale: number, u: number, accumulate: number, work: number): void;
  syrkWorkBytes(d: number): number;
  gemv(a: number, m: number, n: number, x: number, y: number): void;
  trsmLowerRows(l: number, d: number, b: number, n: number): void;
  rowNormsOfProduct(v: number, n: number, d: number, mt: number, out: number, tmp: number, work: number): void;
  expArray(x: number, out: number, n: number): void;
  logArray(x: number, out: number, n: number): void;
  gibbsRows(p0: number, r: number, invEta: number, X: number, A: number, probs: number, logZ: number): void;
  softmaxRows(x: number, rows: number, cols: number, lse: number): void;
  tiltSoftmax(
    logBase: number,
    sT: number,
    X: number,
    A: number,
    idx: number,
    cs: number,
    nActive: number,
    w: number,
    p: number,
    kl: number,
  ): void;
  btAccumulate(z: number, n: number, d: number, theta: number, grad: number, weights: number): number;
  addWeightedRows(w: number, n: number, div: number, a: number, d: number, out: number): void;
  secondMomentsBackward(
    k: number,
    u: number,
    z: number,
    stride: number,
    V: number,
    L: number,
    psi: number,
    d: number,
    m: number,
    M: number,
    m2: number,
    M2: number,
  ): void;
  covarianceForward(
    probs: number,
    mu: number,
    V: number,
    L: number,
    psi: number,
    d: number,
    w: number,
    occ: number,
    G: number,
    F: number,
    next: number,
  ): void;
  prefixTreeLeaves(
    table: number,
    width: number,
    V: number,
    L: number,
    center: number,
    logs: number,
    logStride: number,
    sums: number,
    g: number,
    path: number,
    first: number,
    norm: number,
    log: number,
  ): void;
  exactExpArray(x: number, out: number, n: number): void;
  exactLogArray(x: number, out: number, n: number): void;
  gibbsBackward(
    kT: number,
    rows: number,
    V: number,
    L: number,
    rowMax: number,
    u: number,
    z: number,
    stride: number,
    w: number,
    sums: number,
    fail: number,
  ): number;
  promptFeatures(
    k: number,
    u: number,
    z: number,
    V: number,
    L: number,
    X: number,
    psi: number,
    d: number,
    out: number,
    occ: number,
    mu: number,
    next: number,
  ): void;
  transposeRowsPadded(k: number, rows: number, n: number, kT: number): void;
  rowSumsT(kT: number, rows: number, n: number, u: number, out: number): void;
  markovForward(
    k: number,
    V: number,
    u: number,
    z: number,
    stride: number,
    L: number,
    mu: number,
    next: number,
    occ: number,
  ): void;
  btPairs(
    feat: number,
    f32: number,
    d: number,
    win: number,
    lose: number,
    n: number,
    theta: number,
    grad: number,
    upper: number,
    zbuf: number,
    wbuf: number,
    work: number,
  ): number;
}

/** Which implementation the dense kernels run on. */
export type KernelBackend = "wasm-simd" | "typescript";

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function instantiate(): { exports: KernelExports | null; reason: string | null } {
  const forced = typeof process !== "undefined" ? process.env?.GSH_KERNELS : undefined;
  if (forced === "typescript") return { exports: null, reason: "GSH_KERNELS=typescript" };
  if (typeof WebAssembly === "undefined") return { exports: null, reason: "no WebAssembly in this runtime" };
  try {
    // Synchronous compile: the module is ~16 KB, and a synchronous API needs a synchronous load.
    const module = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
    return { exports: new WebAssembly.Instance(module, {}).exports as unknown as KernelExports, reason: null };
  } catch (e) {
    // Runtimes without 128-bit SIMD reject the module at compile time.
    return { exports: null, reason: `WebAssembly SIMD unavailable: ${(e as Error).message}` };
  }
}

const loaded = instantiate();

/** The instantiated kernels, or null where WebAssembly SIMD is unavailable (or GSH_KERNELS=typescript). */
export const wasmKernels: KernelExports | null = loaded.exports;

/**
 * The backend of the dense kernels: "wasm-simd" (f64x2 WebAssembly, the default) or "typescript" (the plain
 * reference kernels), with the reason when it is the latter. Benchmarks and result rows record it.
 */
export function kernelBackend(): { readonly backend: KernelBackend; readonly reason: string | null } {
  return { backend: loaded.exports ? "wasm-simd" : "typescript", reason: loaded.reason };
}

/**
 * Allocations in the kernels' memory released together: every view is re-derived from the current buffer because
 * growing the memory (inside `alloc`) detaches the old one.
 */
export class WasmScope {
  private readonly ptrs: number[] = [];

  constructor(readonly k: KernelExports) {}

  /** `bytes` bytes (16-byte aligned), freed with the scope; the contents are unspecified. */
  private allocBytes(bytes: number): number {
    const p = this.k.alloc(bytes);
    this.ptrs.push(p);
    return p;
  }

  /** Space for n f64 values. */
  alloc(n: number): number {
    return this.allocBytes(Math.max(8, n * 8));
  }

  /** Space for n i32 values. */
  allocI32(n: number): number {
    return this.allocBytes(Math.max(8, n * 4));
  }

  /** A copy of a[0, n) in the kernels' memory. */
  copyIn(a: Float64Array, n = a.length): number {
    const p = this.alloc(n);
    this.f64(p, n).set(n === a.length ? a : a.subarray(0, n));
    return p;
  }

  /** A view of n f64 values at p, valid until the next allocation. */
  f64(p: number, n: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, p, n);
  }

  i32(p: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, p, n);
  }

  /** Space for the gemm's packed panels when the product has n columns. */
  gemmWork(n: number): number {
    return this.allocBytes(this.k.gemmWorkBytes(n));
  }

  /** Space for syrkUpper's packed panels at dimension d. */
  syrkWork(d: number): number {
    return this.allocBytes(this.k.syrkWorkBytes(d));
  }

  /** Space for A (m×k) packed by `packAAll`. */
  packedASpace(m: number, k: number): number {
    return this.allocBytes(this.k.packedABytes(m, k));
  }

  /** Space for B (k×n) packed by `packB`. */
  packedSpace(k: number, n: number): number {
    return this.allocBytes(this.k.packedBytes(k, n));
  }

  dispose(): void {
    for (let i = this.ptrs.length - 1; i >= 0; i--) this.k.free(this.ptrs[i]);
    this.ptrs.length = 0;
  }
}

/** Runs fn with a scope whose allocations are freed afterwards (also when fn throws). */
export function withWasm<T>(k: KernelExports, fn: (s: WasmScope) => T): T {
  const s = new WasmScope(k);
  try {
    return fn(s);
  } finally {
    s.dispose();
  }
}
