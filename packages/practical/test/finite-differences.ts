import type { PolicyModel } from "../src/policy-gradient";

/**
 * ∂f/∂params by the 4-point central difference (error O(h⁴), ≈ 1e-12 at h = 1e-3), on the first `count`
 * coordinates: the tests' independent check of exact gradients.
 */
export function numericGradient(m: PolicyModel<unknown>, f: () => number, count = m.size, h = 1e-3): Float64Array {
  const g = new Float64Array(Math.min(count, m.size));
  const at = (k: number, v: number) => {
    const old = m.params[k];
    m.params[k] = old + v;
    m.refresh();
    const y = f();
    m.params[k] = old;
    m.refresh();
    return y;
  };
  for (let k = 0; k < g.length; k++) g[k] = (-at(k, 2 * h) + 8 * at(k, h) - 8 * at(k, -h) + at(k, -2 * h)) / (12 * h);
  return g;
}
