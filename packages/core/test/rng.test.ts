import { createHash } from "node:crypto";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { AliasTable, Rng, chiSquareTest } from "../src";

describe("Rng", () => {
  it("same seed and name give identical streams; different names give different ones", () => {
    const a = Rng.seeded(42).split("algorithm/dpo/seed/3");
    const b = Rng.seeded(42).split("algorithm/dpo").split("seed/3");
    const c = Rng.seeded(42).split("algorithm/dpo/seed/4");
    const xs = Array.from({ length: 100 }, () => a.uniform());
    expect(Array.from({ length: 100 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uniform())).not.toEqual(xs);
  });

  it("the state is SHA-256(UTF-8 key) as node:crypto computes it (browser-safe hash, same streams as before)", () => {
    // The first xoroshiro128+ outputs from the state node:crypto gives, recomputed here independently of rng.ts.
    for (const key of ["gsh:0", "gsh:7/algorithm/dpo/seed/3", "gsh:1/trial/R η=0.1/β=0 (MLE-Gibbs)/300"]) {
      const d = createHash("sha256").update(key).digest();
      const s = [d.readInt32LE(0), d.readInt32LE(4), d.readInt32LE(8), d.readInt32LE(12)];
      const expected = xoroshiro128plusFromState(s);
      const rng = Rng.seeded(key.slice(4).split("/")[0]);
      const stream = key
        .split("/")
        .slice(1)
        .reduce((r, part) => r.split(part), rng);
      // uniform() consumes two outputs: hi = next >>> 5, lo = next >>> 6
      const hi = expected.next() >>> 5;
      const lo = expected.next() >>> 6;
      expect(stream.uniform()).toBe((hi * 67108864 + lo) / 9007199254740992);
    }
  });

  it("a split does not depend on how much the parent has drawn", () => {
    const p1 = Rng.seeded(1);
    const p2 = Rng.seeded(1);
    for (let i = 0; i < 1000; i++) p2.uniform();
    expect(p1.split("x").normal()).toBe(p2.split("x").normal());
  });

  it("uniform has the moments of U[0,1) (n = 1e5, 5 standard errors)", () => {
    const r = Rng.seeded(0);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    expect(Math.abs(s / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(5 * Math.sqrt(4 / 45 / n));
  });

  it("normal has mean 0, variance 1 and the right tail mass (n = 1e5)", () => {
    const r = Rng.seeded(5);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      if (z > 1.959963984540054) tail++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(tail / n - 0.025)).toBeLessThan(5 * Math.sqrt((0.025 * 0.975) / n));
  });

  it("int(n) is uniform (χ², p > 1e-3)", () => {
    const r = Rng.seeded(9);
    const k = 7;
    const counts = new Array(k).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(k)]++;
    expect(chiSquareTest(counts, new Array(k).fill(1 / k)).pValue).toBeGreaterThan(1e-3);
  });

  it("categorical and alias sampling match their distribution (χ², fixed seed, p > 1e-3), zero weights never drawn", () => {
    const w = [0.5, 0, 2, 1, 0.01, 3, 0, 1.49];
    const total = w.reduce((a, b) => a + b, 0);
    const probs = w.map((v) => v / total);
    const r = Rng.seeded(3);
    const table = new AliasTable(w);
    const ca = new Array(w.length).fill(0);
    const cc = new Array(w.length).fill(0);
    for (let i = 0; i < 80_000; i++) {
      ca[table.sample(r)]++;
      cc[r.categorical(w)]++;
    }
    expect(ca[1] + ca[6]).toBe(0);
    expect(cc[1] + cc[6]).toBe(0);
    expect(chiSquareTest(ca, probs).pValue).toBeGreaterThan(1e-3);
    expect(chiSquareTest(cc, probs).pValue).toBeGreaterThan(1e-3);
  });

  it("a χ² test does reject a wrong distribution (the test has power)", () => {
    const r = Rng.seeded(3);
    const table = new AliasTable([1, 1, 1, 1.2]);
    const c = [0, 0, 0, 0];
    for (let i = 0; i < 80_000; i++) c[table.sample(r)]++;
    expect(chiSquareTest(c, [0.25, 0.25, 0.25, 0.25]).pValue).toBeLessThan(1e-6);
  });

  it("unitBall has P(‖v‖ ≤ t) = t^k and unitSphere has norm 1", () => {
    const r = Rng.seeded(11);
    const k = 8;
    const n = 20_000;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const v = r.unitBall(k);
      const norm = Math.hypot(...v);
      expect(norm).toBeLessThanOrEqual(1);
      if (norm <= 0.9) inside++;
    }
    const p = Math.pow(0.9, k);
    expect(Math.abs(inside / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    expect(Math.hypot(...r.unitSphere(5))).toBeCloseTo(1, 14);
  });

  it("rejects bad arguments with clear messages", () => {
    expect(() => Rng.seeded(0.5)).toThrow(/safe integer/);
    expect(() => Rng.seeded(0).int(0)).toThrow(/1 ≤ n/);
    expect(() => Rng.seeded(0).categorical([0, 0])).toThrow(/positive finite sum/);
    expect(() => new AliasTable([1, -1])).toThrow(/non-negative/);
  });
});
