// The sequence DP computes each distinct exponential and each distinct dot once (kernel-exponentials.ts, dp.ts's
// bigramReward). These tests hold the results to the plain formulas, entry by entry and bit for bit: the kernel
// K(s, v) = π0(v|x,s)·exp(b(s,v)/η − m_s) with m_s the largest b(s,v)/η on π0's support, and b = ψθ/L as gemv forms
// it; and the policies built on them to the exact enumeration of Vᴸ responses.
import { Rng, gemv } from "@gsh/core";
import {
  type SequenceProblem,
  bigramReward,
  factoredGibbsPolicy,
  gibbsSequenceLogProb,
  referenceRow,
  referenceRows,
  sequenceGibbs,
} from "../src";

const rng = Rng.seeded(20261206).split("sequence-kernel-reuse");

/** A small problem: per-prompt or shared π0 with some zeros, ψ(s, v) = word(v) + [s = v]·same(v) when `factored`. */
function problem(layout: "per-prompt" | "shared", factored: boolean): SequenceProblem {
  const X = 3,
    V = 4,
    L = 3,
    d = 3;
  const p = { prompts: X, vocab: V, referenceLayout: layout } as const;
  const reference = new Float64Array(referenceRows(p) * V);
  for (let r = 0; r < referenceRows(p); r++) {
    let z = 0;
    for (let v = 0; v < V; v++) {
      // a zero in some rows (different supports, so different row maxima for the same s across prompts)
      const q = (r + v) % 5 === 0 ? 0 : rng.uniform() + 0.1;
      reference[r * V + v] = q;
      z += q;
    }
    for (let v = 0; v < V; v++) reference[r * V + v] /= z;
  }
  const word = rng.normals(new Float64Array(V * d));
  const same = rng.normals(new Float64Array(V * d));
  const psi = new Float64Array((V + 1) * V * d);
  for (let s = 0; s <= V; s++)
    for (let v = 0; v < V; v++)
      for (let k = 0; k < d; k++)
        psi[(s * V + v) * d + k] = factored ? word[v * d + k] + (s === v ? same[v * d + k] : 0) : rng.normal();
  return {
    prompts: X,
    vocab: V,
    length: L,
    dim: d,
    reference,
    referenceLayout: layout,
    psi,
    contextWeights: new Float64Array(X).fill(1 / X),
    eta: 0.3,
    normBound: 10,
  };
}

const cases: ["per-prompt" | "shared", boolean][] = [
  ["per-prompt", false],
  ["per-prompt", true],
  ["shared", true],
  ["shared", false],
];

describe.each(cases)("π0 %s, ψ factored %s", (layout, factored) => {
  const p = problem(layout, factored);
  const { vocab: V, length: L, dim: d } = p;
  const theta = rng.normals(new Float64Array(d)).map((v) => 3 * v);

  it("bigramReward is gemv(ψ, θ)/L bit for bit", () => {
    const b = bigramReward(p, theta);
    const plain = gemv(p.psi, (V + 1) * V, d, theta).map((v) => v / L);
    expect(Array.from(b)).toEqual(Array.from(plain));
  });

  it("every kernel entry is π0·exp(b/η − m_s) bit for bit (rows of equal m_s and b share their exponentials), on two calls", () => {
    const b = bigramReward(p, theta);
    for (let rep = 0; rep < 2; rep++) {
      const g = factoredGibbsPolicy(p, b);
      for (let x = 0; x < p.prompts; x++)
        for (let s = 0; s <= V; s++) {
          const o = referenceRow(p, x, s) * V;
          let m = -Infinity;
          for (let v = 0; v < V; v++) if (p.reference[o + v] > 0) m = Math.max(m, b[s * V + v] / p.eta);
          for (let v = 0; v < V; v++) {
            const p0 = p.reference[o + v];
            expect(g.kernel[o + v]).toBe(p0 > 0 ? p0 * Math.exp(b[s * V + v] / p.eta - m) : 0);
          }
        }
    }
  });

  it("the factored and dense policies are π0·e^{Σb/η}/Z over all Vᴸ responses", () => {
    const b = bigramReward(p, theta);
    const g = factoredGibbsPolicy(p, b);
    const dense = sequenceGibbs(p, b, p.eta).policy;
    const y = new Int32Array(L);
    for (let x = 0; x < p.prompts; x++) {
      // exact enumeration of log π0(y|x) + Σ_t b(y_{t−1}, y_t)/η
      const logits: number[] = [];
      for (let i = 0; i < V ** L; i++) {
        let k = i,
          lp = 0,
          s = V;
        for (let t = L - 1; t >= 0; t--) {
          y[t] = k % V;
          k = Math.floor(k / V);
        }
        for (let t = 0; t < L; t++) {
          lp += Math.log(p.reference[referenceRow(p, x, s) * V + y[t]]) + b[s * V + y[t]] / p.eta;
          s = y[t];
        }
        logits.push(lp);
      }
      const top = Math.max(...logits);
      const logZ = top + Math.log(logits.reduce((a, l) => a + Math.exp(l - top), 0));
      for (let i = 0; i < V ** L; i++) {
        if (logits[i] === -Infinity) continue;
        let k = i,
          dp = 0,
          s = V;
        for (let t = L - 1; t >= 0; t--) {
          y[t] = k % V;
          k = Math.floor(k / V);
        }
        for (let t = 0; t < L; t++) {
          dp += Math.log(dense.probs[((x * L + t) * (V + 1) + s) * V + y[t]]);
          s = y[t];
        }
        expect(gibbsSequenceLogProb(p, g, x, y)).toBeCloseTo(logits[i] - logZ, 10);
        expect(dp).toBeCloseTo(logits[i] - logZ, 10);
      }
    }
  });
});
