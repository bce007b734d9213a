// Soft labels (BT cross-entropy) and ties (Davidson's model): the likelihood against its formula, the gradient and
// Hessian against central differences, the MLE against closed forms, and the soft fit against the plain BT fit on
// the expanded hard pairs.
import * as E from "fp-ts/lib/Either";
import { Rng, type GshError } from "@gsh/core";
import { fitBradleyTerryPairs } from "@gsh/preference";
import { type PairOutcomes, davidsonLogProbs, fitOutcomes, outcomeObjective } from "../src/outcome-likelihood";

function right<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
}

/** Two candidates in d = 1, φ(a) = 1, φ(b) = 0, so the gap of a over b is θ; W wins of a, L of b, T ties. */
function counts(W: number, L: number, T: number): { features: Float64Array; o: PairOutcomes } {
  const n = W + L + T;
  const chosen = new Int32Array(n);
  const rejected = new Int32Array(n).fill(1);
  const tie = new Uint8Array(n);
  for (let i = W; i < W + L; i++) [chosen[i], rejected[i]] = [1, 0];
  tie.fill(1, W + L);
  return { features: Float64Array.of(1, 0), o: { chosen, rejected, label: new Float64Array(n).fill(1), tie } };
}

/** A random problem: 30 candidates in d = 3, 200 pairs with soft labels, hard wins and ties. */
function randomProblem(seed: number): { features: Float64Array; o: PairOutcomes; d: number } {
  const rng = Rng.seeded(seed);
  const d = 3,
    m = 30,
    n = 200;
  const features = Float64Array.from({ length: m * d }, () => rng.normal());
  const chosen = new Int32Array(n),
    rejected = new Int32Array(n),
    label = new Float64Array(n),
    tie = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    chosen[i] = Math.floor(rng.uniform() * m);
    rejected[i] = (chosen[i] + 1 + Math.floor(rng.uniform() * (m - 1))) % m;
    const u = rng.uniform();
    if (u < 0.2) tie[i] = 1;
    label[i] = u < 0.5 ? 1 : Math.round(rng.uniform() * 100) / 100;
  }
  return { features, o: { chosen, rejected, label, tie }, d };
}

describe("Davidson's tie model and soft labels", () => {
  it("the outcome probabilities are Davidson's formula, sum to 1, and are BT when ν = 0", () => {
    for (const [ri, rj, nu] of [
      [0.3, -1.2, 0.7],
      [2, 2, 1.5],
      [-4, 3, 0.01],
      [30, -30, 5],
    ]) {
      const pi = Math.exp(ri),
        pj = Math.exp(rj);
      const D = pi + pj + nu * Math.sqrt(pi * pj);
      const [lw, ll, lt] = davidsonLogProbs(ri - rj, Math.log(nu));
      expect(Math.exp(lw)).toBeCloseTo(pi / D, 12);
      expect(Math.exp(ll)).toBeCloseTo(pj / D, 12);
      expect(Math.exp(lt)).toBeCloseTo((nu * Math.sqrt(pi * pj)) / D, 12);
      expect(Math.exp(lw) + Math.exp(ll) + Math.exp(lt)).toBeCloseTo(1, 14);
      const [bw, bl, bt] = davidsonLogProbs(ri - rj, -Infinity);
      expect(Math.exp(bw)).toBeCloseTo(1 / (1 + Math.exp(-(ri - rj))), 14);
      expect(Math.exp(bl)).toBeCloseTo(1 / (1 + Math.exp(ri - rj)), 14);
      expect(bt).toBe(-Infinity);
    }
  });

  it("the objective's gradient and Hessian match central differences (soft labels, hard wins, ties)", () => {
    const { features, o, d } = randomProblem(4);
    const f = outcomeObjective(features, d, o, 0.5, true);
    const w = Float64Array.of(0.4, -0.7, 1.1, Math.log(0.6));
    const D = d + 1;
    const g = new Float64Array(D),
      H = new Float64Array(D * D);
    f(w, g, H);
    const h = 1e-5;
    for (let k = 0; k < D; k++) {
      const up = w.slice(),
        down = w.slice();
      up[k] += h;
      down[k] -= h;
      const numeric = (f(up, null, null) - f(down, null, null)) / (2 * h);
      expect(Math.abs(g[k] - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      const gu = new Float64Array(D),
        gd = new Float64Array(D);
      f(up, gu, null);
      f(down, gd, null);
      for (let j = 0; j < D; j++) {
        const hn = (gu[j] - gd[j]) / (2 * h);
        expect(Math.abs(H[j * D + k] - hn)).toBeLessThan(1e-5 * Math.max(1, Math.abs(hn)));
      }
    }
  });

  it("the MLE from win/loss/tie counts is the closed form θ̂ = log(W/L), ν̂ = T/√(WL)", () => {
    for (const [W, L, T] of [
      [30, 10, 20],
      [7, 9, 3],
      [50, 2, 1],
    ]) {
      const { features, o } = counts(W, L, T);
      const fit = right(fitOutcomes(features, 1, o, { lambda: 1e-12 }));
      expect(fit.theta[0]).toBeCloseTo(Math.log(W / L), 8);
      expect(fit.tieParameter).toBeCloseTo(T / Math.sqrt(W * L), 8);
    }
  });

  it("the MLE on a random problem is no worse than any point of a grid around it, and beats its neighbours", () => {
    const { features, o, d } = randomProblem(11);
    const lambda = 0.5;
    const fit = right(fitOutcomes(features, d, o, { lambda }));
    const f = outcomeObjective(features, d, o, lambda, true);
    const best = Float64Array.of(...fit.theta, Math.log(fit.tieParameter!));
    const fBest = f(best, null, null);
    let lowest = Infinity;
    const steps = [-0.2, -0.05, 0, 0.05, 0.2];
    for (const a of steps)
      for (const b of steps)
        for (const c of steps)
          for (const t of steps) {
            const w = Float64Array.of(best[0] + a, best[1] + b, best[2] + c, best[3] + t);
            lowest = Math.min(lowest, f(w, null, null));
          }
    expect(fBest).toBeLessThanOrEqual(lowest + 1e-12);
    expect(fit.tieParameter).toBeGreaterThan(0);
  });

  it("a soft label p is the fit on the expanded hard pairs with weights p and 1 − p (plain BT, replicated)", () => {
    // Labels in quarters: a pair with p = k/4 is k wins and 4 − k losses of weight 1/4, i.e. the plain BT fit on
    // 4 copies with the ridge scaled by 4.
    const rng = Rng.seeded(7);
    const d = 4,
      m = 20,
      n = 150;
    const features = Float64Array.from({ length: m * d }, () => rng.normal());
    const chosen = new Int32Array(n),
      rejected = new Int32Array(n),
      label = new Float64Array(n);
    const W: number[] = [],
      Lo: number[] = [];
    for (let i = 0; i < n; i++) {
      chosen[i] = Math.floor(rng.uniform() * m);
      rejected[i] = (chosen[i] + 1 + Math.floor(rng.uniform() * (m - 1))) % m;
      const k = Math.floor(rng.uniform() * 5);
      label[i] = k / 4;
      for (let c = 0; c < 4; c++) {
        W.push(c < k ? chosen[i] : rejected[i]);
        Lo.push(c < k ? rejected[i] : chosen[i]);
      }
    }
    const lambda = 0.3;
    const soft = right(fitOutcomes(features, d, { chosen, rejected, label, tie: new Uint8Array(n) }, { lambda }));
    const hard = right(
      fitBradleyTerryPairs(features, d, Int32Array.from(W), Int32Array.from(Lo), { lambda: 4 * lambda }),
    );
    expect(soft.tieParameter).toBeNull();
    for (let k = 0; k < d; k++) expect(Math.abs(soft.theta[k] - hard.theta[k])).toBeLessThan(1e-9);
  });

  it("one soft label p on a repeated pair gives θ̂ = logit(p) (λ → 0), not the hard win's θ̂", () => {
    const features = Float64Array.of(1, 0);
    const n = 10;
    for (const p of [0.5, 0.8, 0.3]) {
      const o = {
        chosen: new Int32Array(n),
        rejected: new Int32Array(n).fill(1),
        label: new Float64Array(n).fill(p),
        tie: new Uint8Array(n),
      };
      const fit = right(fitOutcomes(features, 1, o, { lambda: 1e-12 }));
      expect(fit.theta[0]).toBeCloseTo(Math.log(p / (1 - p)), 8);
    }
  });

  it("TRL's margin: the MLE from W wins and L losses of a over b at margin μ is θ̂ = μ + log(W/L) (λ → 0)", () => {
    for (const [W, L, mu] of [
      [30, 10, 0.7],
      [5, 12, -1.5],
    ]) {
      // every record compares a with b at margin μ; W of them a won (label 1), L b won (label 0)
      const n = W + L;
      const o = {
        chosen: new Int32Array(n),
        rejected: new Int32Array(n).fill(1),
        label: Float64Array.from({ length: n }, (_, i) => (i < W ? 1 : 0)),
        tie: new Uint8Array(n),
        margin: new Float64Array(n).fill(mu),
      };
      const fit = right(fitOutcomes(Float64Array.of(1, 0), 1, o, { lambda: 1e-12 }));
      expect(fit.theta[0]).toBeCloseTo(mu + Math.log(W / L), 8);
    }
  });

  it("ties only: ν is not identified, a typed error naming the field", () => {
    const { features, o } = counts(0, 0, 5);
    const r = fitOutcomes(features, 1, o, { lambda: 1 });
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "InvalidArgument", field: "tie" });
  });
});
