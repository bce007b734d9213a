// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math, Number } = globalThis;

/** Rows of remembered exponentials a `KernelExponentials` keeps (a row is 2·V numbers). */
const MAX_REMEMBERED_ROWS = 4096;

interface Remembered {
  m: number;
  /** The b(s, v) each e(v) was computed from (NaN: none yet). */
  readonly b: Float64Array;
  readonly e: Float64Array;
}

/**
 * The kernel rows K(s, v) = π0(v|s)·exp(b(s,v)/η − m_s) of a sequence Gibbs policy, with each exponential computed
 * once per distinct input: exp(b/η − m) depends on b(s, v) and m_s only, and the DP's inputs repeat them. A
 * per-prompt π0 shares b (and usually m_s) across prompts, so each row s is exponentiated once, not X times; the
 * text testbed's b(s, v) is the same for every s ≠ v (ψ(s, v) = word(v)), so rows with the same m_s share all
 * their exponentials but one. An entry is reused only where b(s, v) and m_s are equal to the remembered ones, so
 * every kernel entry is the number the plain loop computes.
 */
export class KernelExponentials {
  private readonly remembered = new Map<number, Remembered>();

  constructor(
    private readonly vocab: number,
    private readonly eta: number,
  ) {}

  /**
   * Writes K(s, ·) into kernel[ko .. ko + V): π0's row at reference[ro ..], b's row at b[bo ..], row maximum m.
   * `key` names the rows that may share exponentials (the state s for per-prompt tables, m itself for shared ones).
   */
  fill(
    key: number,
    m: number,
    reference: Float64Array,
    ro: number,
    b: Float64Array,
    bo: number,
    kernel: Float64Array,
    ko: number,
  ): void {
    const V = this.vocab,
      eta = this.eta;
    let row = this.remembered.get(key);
    if (row === undefined && this.remembered.size < MAX_REMEMBERED_ROWS) {
      row = { m, b: new Float64Array(V).fill(Number.NaN), e: new Float64Array(V) };
      this.remembered.set(key, row);
    }
    if (row === undefined) {
      for (let v = 0; v < V; v++) {
        const p0 = reference[ro + v];
        kernel[ko + v] = p0 > 0 ? p0 * Math.exp(b[bo + v] / eta - m) : 0;
      }
      return;
    }
    if (row.m !== m) {
      row.m = m;
      row.b.fill(Number.NaN);
    }
    const rb = row.b,
      re = row.e;
    for (let v = 0; v < V; v++) {
      const p0 = reference[ro + v];
      if (p0 > 0) {
        const bv = b[bo + v];
        let e: number;
        if (rb[v] === bv) e = re[v];
        else {
          e = Math.exp(bv / eta - m);
          rb[v] = bv;
          re[v] = e;
        }
        kernel[ko + v] = p0 * e;
      } else kernel[ko + v] = 0;
    }
  }
}
