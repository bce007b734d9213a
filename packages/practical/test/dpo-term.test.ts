import { Rng } from "@gsh/core";
import { DPO, dpoOnlyWeight, dpoTerm, pairLoss } from "../src/losses";

// The full-batch objectives take DPO's value and slope from `dpoTerm` instead of `pairLoss`: it must give the same
// bits (an ulp moves L-BFGS's path, and with it every row that trains), for every margin and weight.

describe("dpoTerm", () => {
  it("gives pairLoss's value and dh + dg bit for bit (signed zeros, huge margins and NaN included)", () => {
    const rng = Rng.seeded(11);
    const hs = [0, -0, 1e-300, -1e-300, 1, -1, 37, -37, 800, -800, 1e308, -1e308, Infinity, -Infinity, NaN];
    for (let i = 0; i < 2000; i++) hs.push((rng.uniform() - 0.5) * 10 ** (rng.int(9) - 4));
    const out = new Float64Array(2);
    const differ: unknown[] = [];
    let checked = 0;
    for (const weight of [1, 0.3, 0, 2.5])
      for (const eta of [0.1, 1, 7])
        for (const margin of [0, 0.25, -3])
          for (const h of hs) {
            const lv = pairLoss([{ loss: { kind: "dpo" }, weight }], eta, h, 123, margin);
            dpoTerm(weight, eta, h, margin, out);
            // Object.is: −0 differs from +0, NaN equals NaN
            if (!Object.is(out[0], lv.value) || !Object.is(out[1] + 0, lv.dh + lv.dg))
              differ.push({ weight, eta, margin, h, ours: [...out], pairLoss: lv });
            checked++;
          }
    expect(differ).toEqual([]);
    expect(checked).toBe(4 * 3 * 3 * hs.length);
  });

  it("serves DPO alone only", () => {
    expect(dpoOnlyWeight(DPO)).toBe(1);
    expect(dpoOnlyWeight([{ loss: { kind: "dpo" }, weight: 0.5 }])).toBe(0.5);
    expect(dpoOnlyWeight([{ loss: { kind: "ipo" }, weight: 1 }])).toBeNull();
    expect(
      dpoOnlyWeight([
        { loss: { kind: "dpo" }, weight: 1 },
        { loss: { kind: "ipo" }, weight: 1 },
      ]),
    ).toBeNull();
  });
});
