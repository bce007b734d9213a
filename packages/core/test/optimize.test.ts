import { largestFeasibleRoot, Rng, minimizeInBall, type ConvexObjective } from "../src";

function quadratic(A: Float64Array, c: Float64Array, d: number): ConvexObjective {
  // f(w) = ½(w − c)ᵀA(w − c)
  return (w, g, H) => {
    let f = 0;
    for (let i = 0; i < d; i++) {
      let Ai = 0;
      for (let j = 0; j < d; j++) Ai += A[i * d + j] * (w[j] - c[j]);
      f += 0.5 * (w[i] - c[i]) * Ai;
      if (g) g[i] = Ai;
    }
    if (H) H.set(A);
    return f;
  };
}

describe("minimizeInBall", () => {
  it("isotropic quadratic: the closed form w = R·c/‖c‖, μ = a(‖c‖/R − 1)", () => {
    const d = 3;
    const a = 2;
    const A = Float64Array.from([a, 0, 0, 0, a, 0, 0, 0, a]);
    const c = Float64Array.from([3, -4, 0]); // ‖c‖ = 5
    const m = minimizeInBall(quadratic(A, c, d), { dim: d, radius: 2 });
    expect(m.converged).toBe(true);
    m.x.forEach((v, k) => expect(v).toBeCloseTo((2 * c[k]) / 5, 12));
    expect(m.multiplier).toBeCloseTo(a * (5 / 2 - 1), 9);
    const inside = minimizeInBall(quadratic(A, c, d), { dim: d, radius: 10 });
    expect(inside.multiplier).toBe(0);
    inside.x.forEach((v, k) => expect(v).toBeCloseTo(c[k], 12));
  });

  it("an anisotropic quadratic satisfies KKT on the boundary (∇f = −μw, μ > 0, ‖w‖ = R)", () => {
    const d = 5;
    const rng = Rng.seeded(3);
    const G = rng.normals(new Float64Array(d * d));
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) A[i * d + j] += G[k * d + i] * G[k * d + j];
    for (let i = 0; i < d; i++) A[i * d + i] += 0.1;
    const c = rng.normals(new Float64Array(d)).map((v) => 5 * v);
    const f = quadratic(A, c, d);
    const m = minimizeInBall(f, { dim: d, radius: 1 });
    expect(m.converged).toBe(true);
    expect(Math.hypot(...m.x)).toBeCloseTo(1, 11);
    const g = new Float64Array(d);
    f(m.x, g, null);
    expect(m.multiplier).toBeGreaterThan(0);
    g.forEach((v, k) => expect(Math.abs(v + m.multiplier * m.x[k])).toBeLessThan(1e-8));
  });
});

describe("largestFeasibleRoot (the enhancer's bracketed search)", () => {
  it("finds the largest c with g(c) ≥ 0 to the stated precision, from a seed below or above the crossing", () => {
    const g = (c: number) => c * (2 - c); // g(0) = 0, positive on (0, 2), crossing at 2
    for (const c0 of [0.01, 0.5, 50]) {
      const r = largestFeasibleRoot(g, 100, 1e-6, c0);
      expect(r.g).toBeGreaterThanOrEqual(0);
      expect(r.c).toBeLessThanOrEqual(2);
      expect(2 - r.c).toBeLessThanOrEqual(1e-6 * 2);
      expect(r.evaluations).toBeLessThan(40); // superlinear, not bisection's ~60
    }
    const h = (c: number) => 1 - Math.exp(c - 3); // g(0) > 0 here too; crossing at 3
    expect(Math.abs(largestFeasibleRoot(h, 100, 1e-9, 1).c - 3)).toBeLessThan(3e-9);
  });
  it("returns cMax when g(cMax) ≥ 0, and c = 0 when nothing to the right of 0 is feasible", () => {
    expect(largestFeasibleRoot((c) => c, 10, 1e-3, 1)).toMatchObject({ c: 10, evaluations: 1 });
    expect(largestFeasibleRoot((c) => -c, 10, 1e-3, 1).c).toBe(0);
  });
});
