// The labeller's reward model against its definition, in Node: the prior's size, the MAP's stationarity condition,
// the precision and the design covariance in closed form, on testbed T built from the page's own asset.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import { Rng, sigmoid } from "@gsh/core";
import { factoredGibbsPolicy, sequenceFeatures, sharedFeatureCovariance } from "@gsh/preference";
import { textTestbedFromBytes } from "@gsh/testbeds";
import {
  type LabelledPair,
  designCovariance,
  fitLabels,
  labellerPrior,
  priorPrecision,
} from "../src/worker/labeller-model";

const bytes = readFileSync(join(__dirname, "..", "..", "..", "packages", "text", "assets", "moby-dick-v512.gshtext"));
const t = textTestbedFromBytes(new Uint8Array(bytes));
if (E.isLeft(t)) throw new Error(t.left._tag);
const { problem, truth } = t.right;
const d = problem.dim;
const V = problem.vocab;
const sigma0 = sharedFeatureCovariance(problem, factoredGibbsPolicy(problem, new Float64Array((V + 1) * V)));
const prior = labellerPrior(problem);

/** Solves A x = b (small, dense) by Gaussian elimination with partial pivoting, independently of the code under test. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = Array.from({ length: n }, (_, i) => [...A.subarray(i * n, i * n + n), b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
      }
  }
  return Float64Array.from(M, (row, i) => row[n] / M[i][i]);
}

/** Pairs of π0-ish random token sequences with labels from r* (ties where r* is equal), as a person following r* gives. */
function labelledPairs(n: number, seed: number): LabelledPair[] {
  const rng = Rng.seeded(seed);
  const out: LabelledPair[] = [];
  for (let i = 0; i < n; i++) {
    const y = () => Int32Array.from({ length: problem.length }, () => Math.floor(rng.uniform() * V));
    const a = y(),
      b = y();
    const first = sequenceFeatures(problem, a, new Float64Array(d));
    const second = sequenceFeatures(problem, b, new Float64Array(d));
    let ra = 0,
      rb = 0;
    for (let k = 0; k < d; k++) {
      ra += truth.theta[k] * first[k];
      rb += truth.theta[k] * second[k];
    }
    out.push({ first, second, label: Math.abs(ra - rb) < 1e-9 ? 0.5 : ra > rb ? 1 : 0 });
  }
  return out;
}

describe("the labeller's reward model", () => {
  test("the prior is λ·Σ0 on the coordinates that vary under π0, sized so that E‖θ‖² = B²", () => {
    const live = Array.from(prior.live);
    // T's `<unk>` flag is constant without `<unk>` (version 2): every other feature varies
    expect(live).toEqual([0, 1, 2, 3, 4, 5]);
    const P = priorPrecision(prior);
    for (const a of live) for (const b of live) expect(P[a * d + b]).toBeCloseTo(prior.lambda * sigma0[a * d + b], 12);
    // E‖θ‖² = tr((λΣ0)⁻¹) on the live block, computed by an independent solver
    const q = live.length;
    const block = Float64Array.from({ length: q * q }, (_, k) => P[live[Math.floor(k / q)] * d + live[k % q]]);
    let trace = 0;
    for (let i = 0; i < q; i++)
      trace += solve(
        block,
        Float64Array.from({ length: q }, (_, k) => +(k === i)),
        q,
      )[i];
    expect(trace).toBeCloseTo(problem.normBound ** 2, 6);
  });

  test("θ̂ is the stationary point of the penalised soft-label likelihood, and its precision is the Hessian there", () => {
    const pairs = labelledPairs(40, 7);
    expect(pairs.some((p) => p.label === 0.5)).toBe(true);
    const fit = fitLabels(prior, pairs);
    if (E.isLeft(fit)) throw new Error(fit.left._tag);
    const { theta, precision } = fit.right;
    const P = priorPrecision(prior);
    // ∇ = λΣ0θ − Σ_i (y_i − σ(<θ, z_i>)) z_i = 0 and H = λΣ0 + Σ_i σ'(<θ, z_i>) z_i z_iᵀ (live coordinates)
    const grad = new Float64Array(d);
    const H = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) grad[a] += P[a * d + b] * theta[b];
    H.set(P);
    let scale = 0;
    for (const p of pairs) {
      const z = p.first.map((v, k) => v - p.second[k]);
      let m = 0;
      for (let k = 0; k < d; k++) m += theta[k] * z[k];
      const s = sigmoid(m);
      for (let a = 0; a < d; a++) {
        grad[a] -= (p.label - s) * z[a];
        scale = Math.max(scale, Math.abs((p.label - s) * z[a]));
        for (let b = 0; b < d; b++) H[a * d + b] += s * (1 - s) * z[a] * z[b];
      }
    }
    for (const k of prior.live) expect(Math.abs(grad[k])).toBeLessThan(1e-9 * Math.max(scale, 1));
    expect(theta[6]).toBe(0);
    for (const a of prior.live) for (const b of prior.live) expect(precision[a * d + b]).toBeCloseTo(H[a * d + b], 8);
  });

  test("a tie on two responses with the same features leaves θ̂ at 0; no labels give θ̂ = 0 and the prior", () => {
    const f = labelledPairs(1, 3)[0].first;
    const tie = fitLabels(prior, [{ first: f, second: Float64Array.from(f), label: 0.5 }]);
    if (E.isLeft(tie)) throw new Error(tie.left._tag);
    expect(Array.from(tie.right.theta)).toEqual(new Array(d).fill(0));
    const none = fitLabels(prior, []);
    if (E.isLeft(none)) throw new Error(none.left._tag);
    expect(Array.from(none.right.theta)).toEqual(new Array(d).fill(0));
    expect(Array.from(none.right.precision)).toEqual(Array.from(priorPrecision(prior)));
  });

  test("the design covariance is the prior precision plus each pair's difference once, whatever its label", () => {
    const pairs = labelledPairs(12, 11);
    const m = designCovariance(prior, pairs).matrix;
    const expected = priorPrecision(prior);
    for (const p of pairs)
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) expected[a * d + b] += (p.first[a] - p.second[a]) * (p.first[b] - p.second[b]);
    for (let k = 0; k < d * d; k++) expect(m[k]).toBeCloseTo(expected[k], 12);
  });
});
