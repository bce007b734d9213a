import { type Policy, Rng, gibbsPolicy } from "@gsh/core";
import { type BanditProblem, PreferenceDataset, type SequencePolicy, enumerateResponses } from "@gsh/preference";
import {
  SEQUENCE_SIZES,
  enumerateSequenceInstance,
  evaluatePolicy,
  evaluateSequencePolicy,
  linearBandit,
  sampleOfflineData,
  sampleSequenceOfflineData,
  testbedP,
  testbedS,
} from "@gsh/testbeds";
import {
  DPO,
  LogLinearPolicy,
  TabularPolicy,
  type TrainablePolicy,
  type LogProbObjective,
  type WeightedPairs,
  aggregateRewards,
  bootstrapRewards,
  chi2RegularizedOptimum,
  chi2poObjective,
  dpoSftObjective,
  fitLogProbObjective,
  kto,
  ktoObjective,
  linkInverse,
  logProbObjectiveValue,
  pairsFromDataset,
  rewardEnsemblePolicy,
  sequenceDpoSft,
  sequenceDpoSftObjective,
  sequenceKto,
  sequenceKtoObjective,
  sequenceObjectiveValue,
  unpairedLabels,
} from "../src";

// Checks against mathematics: gradients against central differences, χ²PO's population optimum against its closed
// form (an independent bisection, not the source's Newton), the ensemble's policy against explicit enumeration, KTO's
// two-action optimum against the root of its one-dimensional stationarity condition, and KTO's label model against
// its probability.

const sig = (t: number) => 1 / (1 + Math.exp(-t));

/** A small instance: X = 3, A = 5, d = 4, η = 0.5. */
const small = () =>
  linearBandit(7, { contexts: 3, actions: 5, dim: 4, normBound: 2, eta: 0.5, referenceTemperature: 1 });

/** 4-point central difference of params ↦ value. */
function numericGradient(f: (p: Float64Array) => number, p: Float64Array, h = 1e-4): Float64Array {
  const g = new Float64Array(p.length);
  for (let k = 0; k < p.length; k++) {
    const at = (v: number) => {
      const q = Float64Array.from(p);
      q[k] += v;
      return f(q);
    };
    g[k] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
  }
  return g;
}

function expectGradientMatches(model: TrainablePolicy, objective: LogProbObjective, l2: number, seed: number) {
  const r = Rng.seeded(seed);
  const p = new Float64Array(model.size);
  for (let k = 0; k < p.length; k++) p[k] = 0.6 * r.normal();
  const grad = new Float64Array(model.size);
  logProbObjectiveValue(model, objective, l2, p, grad);
  const num = numericGradient((q) => logProbObjectiveValue(model, objective, l2, q, null), p);
  const scale = Math.max(1, ...Array.from(num, Math.abs));
  for (let k = 0; k < p.length; k++) expect(Math.abs(grad[k] - num[k]) / scale).toBeLessThan(1e-7);
}

const models = (problem: BanditProblem): TrainablePolicy[] => [
  new LogLinearPolicy(problem),
  new TabularPolicy(problem),
];

describe("gradients against central differences (log-linear and tabular policies)", () => {
  const inst = small();
  const { problem } = inst;
  const data = sampleOfflineData(inst, 200, 1).data;
  const pairs = pairsFromDataset(data).aggregated();
  const labels = unpairedLabels(data, problem.contexts, problem.actions);

  it("χ²PO (unclipped, and with the clip binding on some pairs)", () => {
    for (const m of models(problem)) {
      expectGradientMatches(m, chi2poObjective(pairs, problem.reference, problem.eta, Infinity), 0.7, 1);
      expectGradientMatches(m, chi2poObjective(pairs, problem.reference, problem.eta, 0.3), 0.7, 2);
    }
  });

  it("DPO + SFT; with α = 0 it is DPO's own objective", () => {
    for (const m of models(problem)) {
      expectGradientMatches(m, dpoSftObjective(pairs, problem.reference, problem.eta, 1), 1, 3);
      const p = Float64Array.from({ length: m.size }, (_, k) => 0.1 * Math.sin(k + 1));
      const g1 = new Float64Array(m.size);
      const g2 = new Float64Array(m.size);
      const v1 = logProbObjectiveValue(m, dpoSftObjective(pairs, problem.reference, problem.eta, 0), 1, p, g1);
      m.setParameters(p);
      const v2 = m.objective(pairs, DPO, problem.eta, 1, g2);
      expect(v1).toBeCloseTo(v2, 10);
      for (let k = 0; k < m.size; k++) expect(g1[k]).toBeCloseTo(g2[k], 10);
    }
  });

  it("KTO with z0 held fixed, and with z0 = KL(π‖π0) differentiated", () => {
    const settings = { beta: problem.eta, desirableWeight: 1, undesirableWeight: 1.3 };
    for (const m of models(problem)) {
      expectGradientMatches(m, ktoObjective(labels, problem, settings, 0.2), 0.5, 4);
      expectGradientMatches(m, ktoObjective(labels, problem, settings, "exact"), 0.5, 5);
    }
  });
});

/** W(e^t) by bisection on s = log z in e^s + s = t, whose root lies in [t − e^t − 1, t] (independent of the source's Newton). */
function linkInverseByBisection(t: number): number {
  let lo = t - Math.exp(t) - 1,
    hi = t;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (Math.exp(mid) + mid > t) hi = mid;
    else lo = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/** Every ordered pair (a, b) of each context with its population weight d0(x)·π0(a)·π0(b)·σ(r_a − r_b). */
function populationPairs(problem: BanditProblem, reward: Float64Array): WeightedPairs {
  const { contexts: X, actions: A } = problem;
  const contexts: number[] = [],
    chosen: number[] = [],
    rejected: number[] = [],
    weights: number[] = [];
  for (let x = 0; x < X; x++)
    for (let a = 0; a < A; a++)
      for (let b = 0; b < A; b++) {
        if (a === b) continue;
        contexts.push(x);
        chosen.push(a);
        rejected.push(b);
        const p0 = problem.reference.probs;
        weights.push(
          problem.contextWeights[x] * p0[x * A + a] * p0[x * A + b] * sig(reward[x * A + a] - reward[x * A + b]),
        );
      }
  return { size: contexts.length, contexts, chosen, rejected, weights };
}

describe("χ²PO's population optimum is π0·W(e^{(r−c)/β})", () => {
  it("the link's inverse matches an independent bisection", () => {
    for (const t of [-30, -3, -0.5, 0, 0.7, 1, 4, 50]) expect(linkInverse(t)).toBeCloseTo(linkInverseByBisection(t), 9);
  });

  it("the tabular policy minimising the population loss equals the closed form (to 1e-6)", () => {
    const inst = small();
    const { problem } = inst;
    const r = inst.truth.reward;
    const beta = problem.eta;
    const model = new TabularPolicy(problem);
    fitLogProbObjective(model, chi2poObjective(populationPairs(problem, r), problem.reference, beta, Infinity), 0, {
      gradientTolerance: 1e-10,
    });
    const fitted = model.distribution();
    const { contexts: X, actions: A } = problem;
    for (let x = 0; x < X; x++) {
      // the closed form, with c(x) by bisection on Σ_a π0·W(e^{(r−c)/β}) = 1
      const mass = (c: number) => {
        let s = 0;
        for (let a = 0; a < A; a++)
          s += problem.reference.probs[x * A + a] * linkInverseByBisection((r[x * A + a] - c) / beta);
        return s;
      };
      let lo = -20,
        hi = 20;
      for (let i = 0; i < 200; i++) {
        const mid = 0.5 * (lo + hi);
        if (mass(mid) > 1) lo = mid;
        else hi = mid;
      }
      const c = 0.5 * (lo + hi);
      for (let a = 0; a < A; a++) {
        const closed = problem.reference.probs[x * A + a] * linkInverseByBisection((r[x * A + a] - c) / beta);
        expect(Math.abs(fitted.probs[x * A + a] - closed)).toBeLessThan(1e-6);
      }
    }
    const exported = chi2RegularizedOptimum(problem.reference, r, beta);
    for (let i = 0; i < X * A; i++) expect(Math.abs(exported.probs[i] - fitted.probs[i])).toBeLessThan(1e-6);
    // and it is not the KL optimum π*: the χ² term keeps it closer to π0
    const star = inst.truth.optimal;
    let tv = 0;
    for (let i = 0; i < X * A; i++) tv += Math.abs(star.probs[i] - fitted.probs[i]);
    expect(tv).toBeGreaterThan(1e-2);
  });

  it("the closed form maximises E r − β(χ² + KL) (no random perturbation improves it)", () => {
    const inst = small();
    const { problem } = inst;
    const r = inst.truth.reward;
    const beta = problem.eta;
    const pi = chi2RegularizedOptimum(problem.reference, r, beta);
    const A = problem.actions;
    const value = (q: Float64Array, x: number) => {
      let v = 0;
      for (let a = 0; a < A; a++) {
        const p0 = problem.reference.probs[x * A + a];
        const z = q[a] / p0;
        v += q[a] * r[x * A + a] - beta * p0 * (0.5 * (z - 1) ** 2 + z * Math.log(z));
      }
      return v;
    };
    const rng = Rng.seeded(3);
    for (let x = 0; x < problem.contexts; x++) {
      const best = value(pi.probs.subarray(x * A, (x + 1) * A), x);
      for (let t = 0; t < 50; t++) {
        const q = Float64Array.from(pi.probs.subarray(x * A, (x + 1) * A), (p) => p * Math.exp(0.05 * rng.normal()));
        const s = q.reduce((u, v) => u + v, 0);
        for (let a = 0; a < A; a++) q[a] /= s;
        expect(value(q, x)).toBeLessThanOrEqual(best + 1e-12);
      }
    }
  });
});

describe("reward-model ensemble", () => {
  it("its min and mean − λ·sd policies equal the Gibbs policy of the aggregate by explicit enumeration", () => {
    const inst = small();
    const { problem } = inst;
    const { contexts: X, actions: A } = problem;
    const rng = Rng.seeded(11);
    const tables = Array.from({ length: 4 }, () => Float64Array.from({ length: X * A }, () => rng.normal()));
    for (const [aggregate, f] of [
      ["min", (v: number[]) => Math.min(...v)],
      [
        "mean-sd",
        (v: number[]) => {
          const m = v.reduce((s, u) => s + u, 0) / v.length;
          return m - 1.5 * Math.sqrt(v.reduce((s, u) => s + (u - m) ** 2, 0) / (v.length - 1));
        },
      ],
    ] as const) {
      const pi = gibbsPolicy(problem.reference, aggregateRewards(tables, aggregate, 1.5), problem.eta).policy;
      for (let x = 0; x < X; x++) {
        const w = Array.from(
          { length: A },
          (_, a) => problem.reference.probs[x * A + a] * Math.exp(f(tables.map((t) => t[x * A + a])) / problem.eta),
        );
        const Z = w.reduce((s, u) => s + u, 0);
        for (let a = 0; a < A; a++) expect(pi.probs[x * A + a]).toBeCloseTo(w[a] / Z, 12);
      }
    }
  });

  it("members are centred at π0 per prompt and agree as n grows (the bootstrap spread shrinks like 1/√n)", () => {
    const inst = small();
    const { problem } = inst;
    const { contexts: X, actions: A } = problem;
    const spreadAt = (n: number) => {
      const members = bootstrapRewards(problem, sampleOfflineData(inst, n, 2).data, 5, Rng.seeded(5));
      for (const m of members)
        for (let x = 0; x < X; x++) {
          let mean = 0;
          for (let a = 0; a < A; a++) mean += problem.reference.probs[x * A + a] * m[x * A + a];
          expect(Math.abs(mean)).toBeLessThan(1e-12);
        }
      return rewardEnsemblePolicy(problem, sampleOfflineData(inst, n, 2).data, Rng.seeded(5)).spread;
    };
    const s1 = spreadAt(300);
    const s2 = spreadAt(30000);
    // bootstrap spread shrinks like 1/√n: a factor 10 for 100× the data; allow 5–20
    expect(s1 / s2).toBeGreaterThan(5);
    expect(s1 / s2).toBeLessThan(20);
  });
});

describe("KTO", () => {
  // two actions, X = 1: π0 = (0.7, 0.3), r = (0, 1)
  const p0 = [0.7, 0.3];
  const r = [0, 1];
  const twoAction = (eta: number) => {
    const problem: BanditProblem = {
      contexts: 1,
      actions: 2,
      dim: 2,
      features: { contexts: 1, actions: 2, dim: 2, values: Float64Array.from([1, 0, 0, 1]) },
      reference: { contexts: 1, actions: 2, probs: Float64Array.from(p0) },
      contextWeights: Float64Array.from([1]),
      eta,
      normBound: 1,
    };
    // the label model's probabilities: y desirable iff it beats a fresh π0 draw under BT
    const win = [0, 1].map((a) => p0[0] * sig(r[a] - r[0]) + p0[1] * sig(r[a] - r[1]));
    const labels = {
      desirable: Float64Array.from([0, 1], (a) => p0[a] * win[a]),
      undesirable: Float64Array.from([0, 1], (a) => p0[a] * (1 - win[a])),
      mismatched: Float64Array.from(p0),
      size: 1,
    };
    /** The population loss at π = (1 − p, p) with reference point z0 (β = η, λ_D = λ_U = 1). */
    const loss = (p: number, z0: number) =>
      [1 - p, p].reduce((s, q, a) => {
        const t = eta * (Math.log(q / p0[a]) - z0);
        return s + labels.desirable[a] * (1 - sig(t)) + labels.undesirable[a] * sig(t);
      }, 0);
    return { problem, labels, loss };
  };
  const kl = (p: number) => (1 - p) * Math.log((1 - p) / p0[0]) + p * Math.log(p / p0[1]);
  const derivative = (f: (p: number) => number, p: number, h = 1e-6) => (f(p + h) - f(p - h)) / (2 * h);

  it("the label model gives each response its win probability (20 000 queries on P, within 4 SE)", () => {
    const inst = testbedP(0, { eta: 0.1 });
    const data = sampleOfflineData(inst, 20000, 0).data;
    const u = unpairedLabels(data, 1, 32);
    const probs = inst.problem.reference.probs;
    const rs = inst.truth.reward;
    for (const a of [0, 1, 2]) {
      let p = 0;
      for (let b = 0; b < 32; b++) p += probs[b] * sig(rs[a] - rs[b]);
      const n = u.desirable[a] + u.undesirable[a];
      expect(Math.abs(u.desirable[a] / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it("with z0 = KL(π‖π0) in the objective, its optimum is the root of the one-dimensional stationarity condition", () => {
    // at β = η = 2 (at η ≤ 1 the loss falls all the way to p = 1, see the README)
    const { problem, labels, loss } = twoAction(2);
    const g = (p: number) => derivative((q) => loss(q, kl(q)), p);
    // a single change of g from − to + on (0, 1): one local minimum, the one descent from π0 reaches
    const grid = Array.from({ length: 999 }, (_, i) => (i + 1) / 1000);
    const changes = grid.slice(1).filter((p, i) => g(grid[i]) < 0 && g(p) >= 0);
    expect(changes.length).toBe(1);
    let lo = changes[0] - 1e-3,
      hi = changes[0];
    for (let i = 0; i < 60; i++) {
      const mid = 0.5 * (lo + hi);
      if (Math.sign(g(mid)) === Math.sign(g(lo))) lo = mid;
      else hi = mid;
    }
    const root = 0.5 * (lo + hi);
    const fit = kto(problem, labels, { policy: "tabular", l2: 0, differentiate: true, gradientTolerance: 1e-12 });
    expect(Math.abs(fit.policy.probs[1] - root)).toBeLessThan(1e-6);
    expect(fit.z0).toBeCloseTo(kl(root), 8);
  });

  it("with z0 detached (the paper's update), the stationarity condition has no interior root: π goes to the better action", () => {
    // ∂L/∂p at z0 held at KL(π‖π0): negative on the whole interval, so the fixed point is p → 1
    const { problem, labels, loss } = twoAction(0.5);
    for (let i = 1; i < 1000; i++) {
      const p = i / 1000;
      expect(derivative((q) => loss(q, kl(p)), p)).toBeLessThan(0);
    }
    for (const referencePoint of ["exact", "batch"] as const) {
      const fit = kto(problem, labels, { policy: "tabular", l2: 0, referencePoint });
      expect(fit.policy.probs[1]).toBeGreaterThan(0.999);
    }
  });

  it("the batch z0 is the clamped mismatched-pair mean, which targets −KL(π0‖π) ≤ 0", () => {
    const { problem, labels } = twoAction(0.5);
    const mean = p0[0] * Math.log(0.4 / p0[0]) + p0[1] * Math.log(0.6 / p0[1]);
    expect(mean).toBeLessThan(0);
    const z = kto(problem, labels, { policy: "tabular", l2: 1 }).z0;
    expect(z).toBe(0);
    // an unclamped positive value passes through
    const skew = { ...labels, mismatched: Float64Array.from([0, 1]) };
    const fit = kto(problem, skew, { policy: "tabular", l2: 1 });
    expect(fit.z0).toBeCloseTo(Math.log(fit.policy.probs[1] / p0[1]), 10);
  });
});

describe("DPO + SFT and KTO on sequences (the log-linear policy, exact by the DP)", () => {
  const seq = testbedS(4, { ...SEQUENCE_SIZES.tiny, eta: 0.3 });
  const offline = sampleSequenceOfflineData(seq, 300, 4);
  const { problem } = seq;
  const L = problem.length;
  const settings = { beta: problem.eta, desirableWeight: 1, undesirableWeight: 1.2 };

  it("their gradients match central differences", () => {
    const w0 = Float64Array.from({ length: problem.dim }, (_, k) => 0.5 * Math.sin(3 * k + 1));
    for (const objective of [
      sequenceDpoSftObjective(offline.data, problem.eta, 1),
      sequenceKtoObjective(offline.data, problem.eta, settings, 0.15),
    ]) {
      const grad = new Float64Array(problem.dim);
      sequenceObjectiveValue(problem, objective, 0.7, w0, grad);
      const num = numericGradient(
        (q) => sequenceObjectiveValue(problem, objective, 0.7, q, new Float64Array(problem.dim)),
        w0,
      );
      const scale = Math.max(1, ...Array.from(num, Math.abs));
      for (let k = 0; k < problem.dim; k++) expect(Math.abs(grad[k] - num[k]) / scale).toBeLessThan(1e-7);
    }
  });

  it("they reach the same policy as the finite-action versions on the enumerated instance (S-tiny, 256 responses)", () => {
    const enumerated = enumerateSequenceInstance(seq);
    const index = new Map(enumerateResponses(problem.vocab, L).map((y, a) => [y.join(","), a] as const));
    const data = new PreferenceDataset(offline.data.size);
    for (let i = 0; i < offline.data.size; i++)
      data.push(
        offline.data.context[i],
        index.get(offline.first.subarray(i * L, (i + 1) * L).join(","))!,
        index.get(offline.second.subarray(i * L, (i + 1) * L).join(","))!,
        offline.data.label[i] as 0 | 1,
      );
    const exact = (p: SequencePolicy) => {
      const m = evaluateSequencePolicy(seq, p);
      if (m._tag === "Left") throw new Error(m.left);
      return m.right.subopt;
    };
    const finite = (p: Policy) => {
      const m = evaluatePolicy(enumerated, p);
      if (m._tag === "Left") throw new Error(m.left);
      return m.right.subopt;
    };
    const sft = sequenceDpoSft(problem, offline);
    const model = new LogLinearPolicy(enumerated.problem);
    fitLogProbObjective(
      model,
      dpoSftObjective(pairsFromDataset(data).aggregated(), enumerated.problem.reference, problem.eta, 1),
      1,
      { gradientTolerance: 1e-10 },
    );
    const wf = model.getParameters();
    for (let k = 0; k < problem.dim; k++) expect(Math.abs(sft.w[k] - wf[k])).toBeLessThan(1e-5);
    expect(exact(sft.policy)).toBeCloseTo(finite(model.distribution()), 6);
    const kSeq = sequenceKto(problem, offline);
    const kFin = kto(enumerated.problem, unpairedLabels(data, problem.prompts, enumerated.problem.actions));
    expect(kSeq.z0).toBeCloseTo(kFin.z0, 8);
    expect(exact(kSeq.policy)).toBeCloseTo(finite(kFin.policy), 5);
    const kSeqExact = sequenceKto(problem, offline, { referencePoint: "exact" });
    const kFinExact = kto(enumerated.problem, unpairedLabels(data, problem.prompts, enumerated.problem.actions), {
      referencePoint: "exact",
    });
    expect(kSeqExact.z0).toBeCloseTo(kFinExact.z0, 6);
    expect(exact(kSeqExact.policy)).toBeCloseTo(finite(kFinExact.policy), 5);
  });
});
