import * as E from "fp-ts/lib/Either";
import { type GshError, type Rng, cholesky, invalidArgument } from "@gsh/core";
import {
  Covariance,
  type FactoredGibbsPolicy,
  factoredGibbsPolicy,
  linearSequenceGibbs,
  sampleGibbsSequence,
  PreferenceDataset,
  type SequenceOracle,
  type SequenceProblem,
  bigramReward,
  bradleyTerryHessian,
  fitBradleyTerry,
  onlineLoop,
  selectPair,
  sequenceFeatures,
  sequenceReward,
  sequenceGibbsFamily,
  winnerMinusLoser,
} from "@gsh/preference";
import { type EnhancerOptions, enhancer } from "./enhancer";
import { bootstrapPair, laplacePosteriorSampler } from "./posterior-sampling";
import { optimisticMle } from "./vpo";
import { bestActivePair } from "./active-learning";
import type { ExplorationName } from "./exploration";
import { type IterationTrace, gshfLoop } from "./online-gshf";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

export interface SequenceOnlineOptions {
  readonly iterations: number;
  readonly batchSize: number;
  readonly beta: number;
  readonly lambda?: number;
  readonly exploration?: ExplorationName;
  readonly enhancer?: EnhancerOptions;
  /** Samples per prompt for best-vs-worst (default 8). */
  readonly bestOfN?: number;
  /** Hybrid GSHF: offline records (with features) kept in every round's MLE and Σ. */
  readonly offlineData?: PreferenceDataset;
}

/**
 * y uniform over Vᴸ, drawn as a table of rows 1/V would be (u scaled by the row's sum, then walked), so the draws
 * equal those of `sampleSequence` on a uniform Markov table without its X·L·(V+1)·V numbers.
 */
function sampleUniformSequence(V: number, rng: Rng, out: Int32Array): Int32Array {
  const q = 1 / V;
  let total = 0;
  for (let v = 0; v < V; v++) total += q;
  for (let t = 0; t < out.length; t++) {
    let u = rng.uniform() * total;
    let pick = V - 1;
    for (let v = 0; v < V; v++) {
      if (u < q) {
        pick = v;
        break;
      }
      u -= q;
    }
    out[t] = pick;
  }
  return out;
}

export interface SequenceOnlineResult {
  /** The main agent after the last batch: the Gibbs policy of the MLE on all data (Markov, exact by the DP). */
  readonly policy: FactoredGibbsPolicy;
  readonly theta: Float64Array;
  readonly queries: number;
  readonly trace: readonly IterationTrace[];
}

/**
 * Online (and hybrid) iterative GSHF on the sequence bandit (spec §4 with §6): the same loop as `onlineGshf`, with
 * responses sampled from Markov policies instead of action tables. Every policy it forms is a Gibbs-family member
 * (main agent π_{θ̂}, enhancer tilt π_{θ̂+cηu}) or π0/uniform, hence Markov; features of sampled responses come from
 * the learner's view ψ, labels only from the counted oracle.
 */
export function onlineGshfSequence(
  problem: SequenceProblem,
  oracle: SequenceOracle,
  rng: Rng,
  options: SequenceOnlineOptions,
): E.Either<GshError, SequenceOnlineResult> {
  const { iterations: T, batchSize: m, beta } = options;
  if (!(Number.isInteger(T) && T >= 1))
    return E.left(invalidArgument("iterations", `must be an integer ≥ 1, got ${T}`));
  if (!(Number.isInteger(m) && m >= 1)) return E.left(invalidArgument("batchSize", `must be an integer ≥ 1, got ${m}`));
  if (!(beta >= 0) || !Number.isFinite(beta))
    return E.left(invalidArgument("beta", `must be a finite number ≥ 0, got ${beta}`));
  const bestOfN = options.bestOfN ?? 8;
  if (!(Number.isInteger(bestOfN) && bestOfN >= 2))
    return E.left(invalidArgument("bestOfN", `must be an integer ≥ 2, got ${bestOfN}`));
  const offline = options.offlineData;
  if (offline && offline.featureDim !== problem.dim)
    return E.left(invalidArgument("offlineData", `records carry ${offline.featureDim} features, d = ${problem.dim}`));
  const lambda = options.lambda ?? 1;
  const rule = options.exploration ?? "enhancer";
  if (rule === "xpo")
    return E.left(
      invalidArgument(
        "exploration",
        "XPO's bonus ‖φ − ν‖_{Σ⁻¹} is not a sum over tokens, so its policy is not Markov: finite bandits only",
      ),
    );
  const { dim: d, length: L, vocab: V } = problem;
  const family = sequenceGibbsFamily(problem);
  const cov = new Covariance(d, lambda);
  const all = new PreferenceDataset(T * m + (offline?.size ?? 0), d);
  if (offline && offline.size > 0) {
    all.append(offline);
    cov.addRows(winnerMinusLoser(offline, null), offline.size);
  }
  // π0 is the Gibbs policy of the zero reward; uniform pairs (an oracle-ish baseline) draw every token uniformly.
  const pi0 = factoredGibbsPolicy(problem, new Float64Array((V + 1) * V));
  type Sampler = (x: number, rng: Rng, out: Int32Array) => Int32Array;
  const fromGibbs =
    (g: FactoredGibbsPolicy): Sampler =>
    (x, r, out) =>
      sampleGibbsSequence(g, x, r, out);
  let theta: Float64Array = new Float64Array(d);
  const fit = (init: Float64Array): E.Either<GshError, Float64Array> => {
    if (all.size === 0) return E.right(new Float64Array(d));
    const r = fitBradleyTerry(winnerMinusLoser(all, null), all.size, d, { lambda, init });
    return E.isLeft(r) ? r : E.right(r.right.theta);
  };
  const y1 = new Int32Array(L),
    y2 = new Int32Array(L);
  const f1 = new Float64Array(d),
    f2 = new Float64Array(d);
  const cand = Array.from({ length: bestOfN }, () => new Int32Array(L));
  const scores = new Float64Array(bestOfN);
  const candFeatures = new Float64Array(bestOfN * problem.dim);

  let batch = new PreferenceDataset(m, d);
  let gamma: number | null = null;
  let klToMain: number | null = null;
  let degenerate = 0;
  const loop = onlineLoop(
    oracle,
    rng,
    {
      ...gshfLoop(T, m),
      context: (r) => r.categorical(problem.contextWeights),
    },
    {
      plan: (_t, stepRng) => {
        const f = fit(theta);
        if (E.isLeft(f)) return f;
        theta = f.right;
        const main = linearSequenceGibbs(problem, theta);
        let second: Sampler = fromGibbs(main);
        gamma = null;
        klToMain = null;
        if (rule === "enhancer") {
          const e = enhancer(family, theta, cov, beta, stepRng.split("rule").split("enhancer"), options.enhancer);
          second = fromGibbs(linearSequenceGibbs(problem, e.theta));
          gamma = e.gamma;
          klToMain = e.klToMain;
        } else if (rule === "reference") second = fromGibbs(pi0);
        let first: Sampler = fromGibbs(main);
        if (rule === "posterior-bootstrap") {
          const [t1, t2] = bootstrapPair(
            winnerMinusLoser(all, null),
            all.size,
            d,
            lambda,
            theta,
            stepRng.split("rule"),
          );
          first = fromGibbs(linearSequenceGibbs(problem, t1));
          second = fromGibbs(linearSequenceGibbs(problem, t2));
        }
        if (rule === "posterior-laplace") {
          // Laplace posterior sampling (see posterior-sampling.ts): two draws of θ, their Gibbs policies as the pair.
          const H = bradleyTerryHessian(winnerMinusLoser(all, null), all.size, d, theta, lambda);
          const draw = laplacePosteriorSampler(theta, H);
          const r = stepRng.split("rule").split("posterior");
          first = fromGibbs(linearSequenceGibbs(problem, draw(r)));
          second = fromGibbs(linearSequenceGibbs(problem, draw(r)));
        }
        if (rule === "vpo") {
          // VPO (see vpo.ts): both sequences from the Gibbs policy of the optimistic MLE, α = β.
          const o = optimisticMle(family, winnerMinusLoser(all, null), all.size, { alpha: beta, lambda, init: theta });
          if (E.isLeft(o)) return o;
          first = second = fromGibbs(linearSequenceGibbs(problem, o.right.theta));
        }
        if (rule === "uniform") first = second = (_x, r, out) => sampleUniformSequence(V, r, out);
        const b = rule === "best-vs-worst" ? bigramReward(problem, theta) : null;
        // Active learning over a sampled candidate set: bestOfN responses of the main agent, the pair of largest
        // entropy × ‖z‖_{H⁻¹} (see active-learning.ts).
        const activeL =
          rule === "active-learning"
            ? cholesky(bradleyTerryHessian(winnerMinusLoser(all, null), all.size, d, theta, lambda), d)
            : null;
        const score = (y: Int32Array) => sequenceReward(b!, V, y);
        degenerate = 0;
        batch = new PreferenceDataset(m, d);
        return E.right({
          collect: (x, draw) => {
            if (activeL) {
              for (let j = 0; j < bestOfN; j++) {
                sampleGibbsSequence(main, x, draw, cand[j]);
                sequenceFeatures(problem, cand[j], candFeatures.subarray(j * d, (j + 1) * d));
              }
              const [i1, i2] = bestActivePair(candFeatures, bestOfN, theta, activeL);
              y1.set(cand[i1]);
              y2.set(cand[i2]);
            } else if (b) {
              for (let j = 0; j < bestOfN; j++) {
                sampleGibbsSequence(main, x, draw, cand[j]);
                scores[j] = score(cand[j]);
              }
              const p = selectPair(scores, "max-min", draw);
              if (p === null) degenerate++;
              y1.set(cand[p ? p[0] : 0]);
              y2.set(cand[p ? p[1] : 1]);
            } else {
              first(x, draw, y1);
              second(x, draw, y2);
            }
            batch.pushWithFeatures(
              x,
              -1,
              -1,
              oracle.query(x, y1, y2),
              sequenceFeatures(problem, y1, f1),
              sequenceFeatures(problem, y2, f2),
            );
          },
        });
      },
      learn: (t, queries) => {
        cov.addRows(winnerMinusLoser(batch, null), m);
        all.append(batch);
        return E.right<GshError, IterationTrace>({
          iteration: t + 1,
          queries,
          theta,
          gamma,
          enhancerKl: klToMain,
          degeneratePairs: degenerate,
        });
      },
    },
  );
  if (E.isLeft(loop)) return loop;
  const f = fit(theta);
  if (E.isLeft(f)) return f;
  return E.right({
    policy: linearSequenceGibbs(problem, f.right),
    theta: f.right,
    queries: loop.right.queries,
    trace: loop.right.trace,
  });
}
