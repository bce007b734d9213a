import { assertDims } from "./errors";
import { dot, packRowChunks, syrkPacked } from "./blas-reference";
import { logSigmoid, sigmoid, sigmoidDerivative } from "./numerics";
import { WasmScope, wasmKernels } from "./wasm/module";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Math } = globalThis;

/**
 * The data term of a logistic (Bradley-Terry) loss over the fixed rows z_i of Z (n×d), evaluated at many θ (one
 * per Newton step): with m_i = <z_i, θ>,
 *   value = Σ_i log(1 + e^{−m_i}),  grad += −Σ_i σ(−m_i)·z_i,  hess += Σ_i σ(m_i)σ(−m_i)·z_i z_iᵀ.
 * The regulariser is the caller's. Z is copied into the kernels' memory once: call `dispose()` when done.
 */
export interface LogisticAccumulator {
  evaluate(theta: Float64Array, grad: Float64Array | null, hess: Float64Array | null): number;
  dispose(): void;
}

export function logisticAccumulator(Z: Float64Array, n: number, d: number): LogisticAccumulator {
  assertDims(Z.length >= n * d, `logisticAccumulator Z ${Z.length} for n=${n}, d=${d}`);
  const w = wasmKernels;
  if (!w) return referenceLogisticAccumulator(Z, n, d);
  const s = new WasmScope(w);
  const z = s.copyIn(Z, n * d);
  const theta = s.alloc(d);
  const grad = s.alloc(d);
  const weights = s.alloc(n);
  const upper = s.alloc(d * d);
  const hess = s.alloc(d * d);
  const work = s.syrkWork(d);
  return {
    evaluate(th, g, h) {
      s.f64(theta, d).set(th.subarray(0, d));
      s.f64(grad, d).fill(0);
      const value = w.btAccumulate(z, n, d, theta, grad, h ? weights : 0);
      if (g) {
        const gv = s.f64(grad, d);
        for (let k = 0; k < d; k++) g[k] += gv[k];
      }
      if (h) {
        // Σ w_i z_i z_iᵀ, upper blocks only, then mirrored into h.
        w.syrkUpper(z, n, d, weights, upper, 0, work);
        s.f64(hess, d * d).set(h.subarray(0, d * d));
        w.addMirrored(upper, d, hess);
        h.set(s.f64(hess, d * d));
      }
      return value;
    },
    dispose: () => s.dispose(),
  };
}

/** The plain TypeScript reference (and fallback) of `logisticAccumulator`. */
export function referenceLogisticAccumulator(Z: Float64Array, n: number, d: number): LogisticAccumulator {
  const margins = new Float64Array(n);
  const roots = new Float64Array(n);
  let packed: Float64Array | null = null; // Z in syrk's layout, packed on the first Hessian and reused by the others
  return {
    evaluate(theta, grad, hess) {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const m = dot(Z, theta, d, i * d, 0);
        margins[i] = m;
        f -= logSigmoid(m);
        if (grad) {
          const c = -sigmoid(-m);
          for (let k = 0; k < d; k++) grad[k] += c * Z[i * d + k];
        }
      }
      if (hess) {
        packed ??= packRowChunks(Z, n, d);
        for (let i = 0; i < n; i++) roots[i] = Math.sqrt(sigmoidDerivative(margins[i]));
        syrkPacked(packed, n, d, hess, roots);
      }
      return f;
    },
    dispose() {},
  };
}
