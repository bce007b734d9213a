import { logSigmoid, logSumExp, sigmoid, sigmoidDerivative, softmax, softplus } from "../src";

describe("stable numerics", () => {
  it("logSumExp is exact on small inputs and finite at ±1e4", () => {
    expect(logSumExp([0, 0])).toBeCloseTo(Math.LN2, 15);
    expect(logSumExp([1e4, 1e4])).toBeCloseTo(1e4 + Math.LN2, 10);
    expect(logSumExp([-1e4, -1e4])).toBeCloseTo(-1e4 + Math.LN2, 10);
    expect(logSumExp([1e4, -1e4])).toBe(1e4);
    expect(logSumExp([-Infinity, 0])).toBe(0);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity); // log 0, documented
    expect(logSumExp([])).toBe(-Infinity);
  });

  it("softmax of logits ±1e4 is a distribution without NaN", () => {
    const p = softmax([1e4, -1e4, 1e4 - 1]);
    expect(p.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 15);
    expect(p[0] / p[2]).toBeCloseTo(Math.E, 12);
    expect(() => softmax([-Infinity])).toThrow(/no finite entry/);
  });

  it("sigmoid, logSigmoid, softplus, σ' satisfy their identities over a wide range and never give NaN", () => {
    for (const x of [-1e4, -745, -50, -1, -1e-8, 0, 1e-8, 1, 50, 745, 1e4]) {
      const s = sigmoid(x);
      expect(Number.isNaN(s)).toBe(false);
      expect(s + sigmoid(-x)).toBeCloseTo(1, 15);
      expect(Number.isFinite(logSigmoid(x))).toBe(true);
      expect(logSigmoid(x)).toBeCloseTo(-softplus(-x), 12);
      expect(softplus(x) - softplus(-x)).toBeCloseTo(x, 9);
      expect(sigmoidDerivative(x)).toBeCloseTo(s * sigmoid(-x), 15);
    }
    expect(logSigmoid(-1e4)).toBe(-1e4);
    expect(logSigmoid(0)).toBeCloseTo(-Math.LN2, 15);
    expect(sigmoidDerivative(0)).toBe(0.25);
    // Central difference of σ at a generic point.
    const h = 1e-6;
    expect(sigmoidDerivative(0.7)).toBeCloseTo((sigmoid(0.7 + h) - sigmoid(0.7 - h)) / (2 * h), 9);
  });
});
