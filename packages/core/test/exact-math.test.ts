// The kernels' exp and log are V8's Math.exp and Math.log (fdlibm's e_exp.c and e_log.c, ported): equal bit for bit
// on millions of inputs over the ranges the sequence DP uses, on random bit patterns, and on the special values.
// Kernels that must give the TypeScript loop's numbers (gibbsBackward) rest on this.
import { Rng } from "../src";
import { wasmKernels, withWasm } from "../src/wasm/module";

const rng = Rng.seeded(20261206).split("exact-math");

function mismatches(inputs: Float64Array, kernel: "exactExpArray" | "exactLogArray", f: (x: number) => number) {
  const k = wasmKernels;
  if (!k) throw new Error("no WebAssembly kernels");
  return withWasm(k, (s) => {
    const n = inputs.length;
    const x = s.copyIn(inputs);
    const out = s.alloc(n);
    k[kernel](x, out, n);
    const got = s.f64(out, n);
    const bad: string[] = [];
    for (let i = 0; i < n; i++) {
      const want = f(inputs[i]);
      if (!Object.is(got[i], want) && !(Number.isNaN(got[i]) && Number.isNaN(want)))
        bad.push(`${kernel}(${inputs[i]}) = ${got[i]}, Math gives ${want}`);
    }
    return bad.slice(0, 5);
  });
}

/** Doubles with uniformly random bits (every exponent and sign). */
function randomBits(n: number): Float64Array {
  const out = new Float64Array(n);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rng.uniform() * 2 ** 32);
  return out;
}

const special = Float64Array.from([
  0,
  -0,
  1,
  -1,
  2,
  0.5,
  Infinity,
  -Infinity,
  NaN,
  709.78,
  709.79,
  -745.13,
  -745.14,
  1e-320,
  5e-324,
  1e-300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Math.LN2,
  Math.LN2 / 2,
  1.5 * Math.LN2,
  2 ** -28,
  -(2 ** -28),
  1 + 2 ** -52,
]);

describe("exact exp", () => {
  it("equals Math.exp on [−750, 710], on (−1, 1), near 0, on random bits and on the special values", () => {
    const n = 1_000_000;
    const wide = Float64Array.from({ length: n }, () => -750 + 1460 * rng.uniform());
    const unit = Float64Array.from({ length: n }, () => 2 * rng.uniform() - 1);
    const tiny = Float64Array.from({ length: n / 4 }, () => (rng.uniform() - 0.5) * 1e-7);
    for (const inputs of [wide, unit, tiny, randomBits(n), special])
      expect(mismatches(inputs, "exactExpArray", Math.exp)).toEqual([]);
  });
});

describe("exact log", () => {
  it("equals Math.log on (0, 1000], near 1, on subnormals, on random bits and on the special values", () => {
    const n = 1_000_000;
    const wide = Float64Array.from({ length: n }, () => 1000 * rng.uniform());
    const nearOne = Float64Array.from({ length: n }, () => 1 + (rng.uniform() - 0.5) * 1e-5);
    const small = Float64Array.from({ length: n / 4 }, () => rng.uniform() * 1e-300);
    for (const inputs of [wide, nearOne, small, randomBits(n), special])
      expect(mismatches(inputs, "exactLogArray", Math.log)).toEqual([]);
  });
});
