import { AdamW, clipByGlobalNorm, learningRateAt, warmupStepsFor } from "../src";

describe("learning-rate schedules against their formulas", () => {
  const base = { peak: 0.01, warmupSteps: 10, totalSteps: 110 };
  it("warms up linearly from peak/warmup to the peak", () => {
    for (let s = 0; s < 10; s++)
      expect(learningRateAt(s, { ...base, decay: "cosine" })).toBeCloseTo((0.01 * (s + 1)) / 10, 15);
  });
  it("cosine decay: (1 + cos πp)/2 with p = (s − w)/(T − 1 − w)", () => {
    for (const s of [10, 25, 60, 90, 109]) {
      const p = (s - 10) / 99;
      expect(learningRateAt(s, { ...base, decay: "cosine" })).toBeCloseTo((0.01 * (1 + Math.cos(Math.PI * p))) / 2, 15);
    }
    expect(learningRateAt(109, { ...base, decay: "cosine" })).toBeCloseTo(0, 15);
    expect(learningRateAt(59.5, { ...base, decay: "cosine" })).toBeCloseTo(0.005, 15); // the midpoint
  });
  it("linear decay to the floor, constant, and steps past the end", () => {
    expect(learningRateAt(10, { ...base, decay: "linear" })).toBeCloseTo(0.01, 15);
    expect(learningRateAt(43, { ...base, decay: "linear" })).toBeCloseTo(0.01 * (1 - 33 / 99), 15);
    expect(learningRateAt(109, { ...base, decay: "linear", floor: 0.1 })).toBeCloseTo(0.001, 15);
    expect(learningRateAt(80, { ...base, decay: "constant" })).toBe(0.01);
    expect(learningRateAt(500, { ...base, decay: "linear" })).toBeCloseTo(0, 15);
  });
  it("warm-up steps are ⌈fraction·total⌉", () => {
    expect(warmupStepsFor(0.1, 95)).toBe(10);
    expect(warmupStepsFor(0, 95)).toBe(0);
    expect(warmupStepsFor(1, 7)).toBe(7);
  });
});

describe("global gradient-norm clipping", () => {
  it("bounds the global norm by maxNorm and keeps the direction", () => {
    const a = Float64Array.from([3, 0]);
    const b = Float64Array.from([0, 4, 0]);
    const r = clipByGlobalNorm([a, b], 1);
    expect(r.norm).toBeCloseTo(5, 15);
    expect(Math.hypot(...a, ...b)).toBeCloseTo(1, 15);
    expect(a[0] / b[1]).toBeCloseTo(3 / 4, 15);
  });
  it("leaves a gradient inside the ball untouched", () => {
    const a = Float64Array.from([0.3, -0.4]);
    expect(clipByGlobalNorm([a], 1).scale).toBe(1);
    expect(Array.from(a)).toEqual([0.3, -0.4]);
  });
});

describe("AdamW against its update rule", () => {
  it("matches a hand-unrolled two steps (bias correction and decoupled decay)", () => {
    const lr = 0.1;
    const wd = 0.5;
    const opt = new AdamW(1, wd);
    const x = Float64Array.from([2]);
    const g1 = 0.5;
    const g2 = -1;
    opt.step(x, Float64Array.from([g1]), lr);
    // step 1: m̂ = g, v̂ = g², update = g/|g| (+ε)
    let ref = 2 * (1 - lr * wd) - (lr * g1) / (Math.abs(g1) + 1e-8);
    expect(x[0]).toBeCloseTo(ref, 14);
    opt.step(x, Float64Array.from([g2]), lr);
    const m = 0.9 * 0.1 * g1 + 0.1 * g2;
    const v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
    ref = ref * (1 - lr * wd) - (lr * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    expect(x[0]).toBeCloseTo(ref, 14);
  });
  it("minimises a convex quadratic", () => {
    const opt = new AdamW(2, 0);
    const x = Float64Array.from([3, -2]);
    for (let s = 0; s < 3000; s++)
      opt.step(x, Float64Array.from([2 * (x[0] - 1), 4 * (x[1] + 0.5)]), 0.01 * (1 - s / 3000));
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(-0.5, 3);
  });
});
