import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dot, summarize } from "@gsh/core";
import {
  bradleyTerryLoss,
  fitBradleyTerry,
  fitBradleyTerryOrThrow,
  fitBradleyTerryPairs,
  winnerMinusLoser,
} from "@gsh/preference";
import { sampleOfflineData, testbedR } from "../src";

const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", "bt-mle.json"), "utf8")) as {
  n: number;
  d: number;
  lambda: number;
  Z: number[];
  theta: number[];
  normBound: number;
  thetaConstrained: number[];
};

describe("Bradley-Terry MLE", () => {
  const Z = Float64Array.from(fixture.Z);
  const { n, d, lambda } = fixture;

  it("matches an independent solver (scipy trust-exact, committed fixture) to 1e-6", () => {
    const fit = fitBradleyTerryOrThrow(Z, n, d, { lambda });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(15);
    expect(fit.gradientNorm).toBeLessThan(1e-9);
    fixture.theta.forEach((v, k) => expect(Math.abs(fit.theta[k] - v)).toBeLessThan(1e-6));
  });

  it("the constrained MLE (‖θ‖ ≤ B active) matches scipy trust-constr to 1e-6 and satisfies KKT", () => {
    const fit = fitBradleyTerryOrThrow(Z, n, d, { lambda, normBound: fixture.normBound });
    expect(Math.hypot(...fit.theta)).toBeCloseTo(fixture.normBound, 10);
    fixture.thetaConstrained.forEach((v, k) => expect(Math.abs(fit.theta[k] - v)).toBeLessThan(1e-6));
    // KKT: ∇f(θ) = −μθ with μ > 0, i.e. the gradient is anti-parallel to θ.
    const g = new Float64Array(d);
    bradleyTerryLoss(Z, n, d, fit.theta, lambda, g);
    expect(fit.multiplier).toBeGreaterThan(0);
    g.forEach((v, k) => expect(Math.abs(v + fit.multiplier * fit.theta[k])).toBeLessThan(1e-8));
    // An inactive bound changes nothing.
    const loose = fitBradleyTerryOrThrow(Z, n, d, { lambda, normBound: 100 });
    expect(loose.multiplier).toBe(0);
    fixture.theta.forEach((v, k) => expect(Math.abs(loose.theta[k] - v)).toBeLessThan(1e-6));
  });

  it("the gradient is the derivative of the loss (central differences)", () => {
    const t = Float64Array.from({ length: d }, (_, k) => 0.3 * (k - 2));
    const g = new Float64Array(d);
    bradleyTerryLoss(Z, n, d, t, lambda, g);
    for (let k = 0; k < d; k++) {
      const h = 1e-6;
      const p = Float64Array.from(t);
      p[k] += h;
      const m = Float64Array.from(t);
      m[k] -= h;
      expect(g[k]).toBeCloseTo(
        (bradleyTerryLoss(Z, n, d, p, lambda) - bradleyTerryLoss(Z, n, d, m, lambda)) / (2 * h),
        5,
      );
    }
  });

  it("a warm start converges to the same point in fewer iterations", () => {
    const cold = fitBradleyTerryOrThrow(Z, n, d, { lambda });
    const warm = fitBradleyTerryOrThrow(Z, n, d, { lambda, init: cold.theta });
    expect(warm.iterations).toBeLessThanOrEqual(1);
    warm.theta.forEach((v, k) => expect(v).toBeCloseTo(cold.theta[k], 10));
  });

  it("bad options and a solver that runs out of iterations give typed errors", () => {
    const bad = fitBradleyTerry(Z, n, d, { lambda: 0 });
    expect(bad).toBeLeft("InvalidArgument", { field: "lambda" });
    const short = fitBradleyTerry(Z, n, d, { lambda, maxIterations: 1 });
    expect(short).toBeLeft("ConvergenceError");
    const init = fitBradleyTerry(Z, n, d, { init: new Float64Array(2) });
    expect(init).toBeLeft("InvalidArgument", { field: "init" });
  });

  it("on testbed R, ‖θ̂ − θ*‖ shrinks like 1/√n across seeds (log-log slope in [−0.65, −0.35])", () => {
    const ns = [250, 1000, 4000, 16000];
    const means = ns.map(
      (nn) =>
        summarize(
          Array.from({ length: 8 }, (_, seed) => {
            const inst = testbedR(seed);
            const { data } = sampleOfflineData(inst, nn, seed);
            const fit = fitBradleyTerryOrThrow(winnerMinusLoser(data, inst.problem.features), nn, 8, { lambda: 1 });
            const diff = fit.theta.map((v, k) => v - inst.truth.theta![k]);
            return Math.sqrt(dot(diff, diff));
          }),
        ).mean,
    );
    const lx = ns.map(Math.log);
    const ly = means.map(Math.log);
    const mx = lx.reduce((a, b) => a + b) / lx.length;
    const my = ly.reduce((a, b) => a + b) / ly.length;
    const slope = lx.reduce((s, x, i) => s + (x - mx) * (ly[i] - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
    expect(slope).toBeGreaterThan(-0.65);
    expect(slope).toBeLessThan(-0.35);
  });
});

describe("bad numbers are typed errors through the Either API, never a throw", () => {
  const Z = Float64Array.from([1, 0, 0, 1, -1, 1]); // n = 3, d = 2
  it.each([
    ["n = −1", () => fitBradleyTerry(Z, -1, 2), "n"],
    ["n = 1.5", () => fitBradleyTerry(Z, 1.5, 2), "n"],
    ["d = 0", () => fitBradleyTerry(Z, 3, 0), "d"],
    ["NaN in Z", () => fitBradleyTerry(Float64Array.from([1, 0, NaN, 1, -1, 1]), 3, 2), "Z"],
    ["∞ in Z", () => fitBradleyTerry(Float64Array.from([1, 0, 0, Infinity, -1, 1]), 3, 2), "Z"],
    ["λ = NaN", () => fitBradleyTerry(Z, 3, 2, { lambda: NaN }), "lambda"],
    [
      "NaN in a feature table",
      () => fitBradleyTerryPairs(Float64Array.from([0, NaN]), 1, Int32Array.of(0), Int32Array.of(1)),
      "features",
    ],
    [
      "a winner outside the table",
      () => fitBradleyTerryPairs(Float64Array.from([0, 1]), 1, Int32Array.of(2), Int32Array.of(1)),
      "winners",
    ],
    [
      "a loser < 0",
      () => fitBradleyTerryPairs(Float64Array.from([0, 1]), 1, Int32Array.of(0), Int32Array.of(-1)),
      "losers",
    ],
  ])("%s → Left(InvalidArgument) naming the field", (_what, fit, field) => {
    let r: ReturnType<typeof fitBradleyTerry> | undefined;
    expect(() => (r = fit())).not.toThrow();
    expect(r).toBeLeft("InvalidArgument", { field });
  });
});
