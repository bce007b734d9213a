// What each objective of the beyond-dpo suite optimises: its population optimum (infinite π0 pairs, the suite's
// label model, no ridge) in the class the suite trains (log-linear π ∝ π0·e^{<w, φ>/η}), scored exactly, beside DPO's
// (which is π*, SubOpt 0) and χ²PO's regularised optimum over all policies (π0·W(e^{(r*−c)/η}), closed form).
// Usage (after a build): node packages/bench/studies/beyond-dpo-limits.cjs [seeds=5] [environments, comma-separated]
const tb = require("@gsh/testbeds");
const pr = require("@gsh/practical");
const { rewardGapBound } = require("@gsh/preference");
const seeds = Number(process.argv[2] || 5);
const envs = {
  "R η=0.1": (s) => tb.testbedR(s, { eta: 0.1 }),
  "P tabular η=0.1": (s) => tb.testbedP(s, { eta: 0.1 }),
  "P tabular η=1": (s) => tb.testbedP(s, { eta: 1 }),
  "H η=0.1": (s) => tb.testbedH(s, { eta: 0.1 }),
  "S-tiny η=0.3": (s) =>
    tb.enumerateSequenceInstance(tb.testbedS(s, { ...tb.SEQUENCE_SIZES.tiny, prompts: 20, eta: 0.3 })),
};
const chosen = process.argv[3] ? process.argv[3].split(",") : Object.keys(envs);
const sig = (t) => 1 / (1 + Math.exp(-t));
for (const name of chosen) {
  const acc = { chi2Closed: [], chi2po: [], dpoSft: [], kto: [], ktoExact: [], reference: [] };
  for (let seed = 0; seed < seeds; seed++) {
    const inst = envs[name](seed);
    const { problem, truth } = inst;
    const { contexts: X, actions: A, eta } = problem;
    const p0 = problem.reference.probs;
    const r = truth.reward;
    const w = problem.contextWeights;
    // every ordered pair (a, b), a ≠ b, weighted by d0(x)·π0(a)·π0(b)·σ(r_a − r_b) (chosen a); pairs with π0 = 0 dropped
    const pairs = { size: 0, contexts: [], chosen: [], rejected: [], weights: [] };
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++)
        for (let b = 0; b < A; b++) {
          const m = w[x] * p0[x * A + a] * p0[x * A + b] * sig(r[x * A + a] - r[x * A + b]);
          if (a === b || !(m > 1e-14)) continue;
          pairs.contexts.push(x);
          pairs.chosen.push(a);
          pairs.rejected.push(b);
          pairs.weights.push(m);
          pairs.size++;
        }
    // KTO's labels: y ~ π0 desirable with probability E_{y′~π0} σ(r_y − r_y′); mismatched responses from other prompts
    const desirable = new Float64Array(X * A),
      undesirable = new Float64Array(X * A),
      mismatched = new Float64Array(X * A);
    for (let x = 0; x < X; x++)
      for (let a = 0; a < A; a++) {
        let win = 0;
        for (let b = 0; b < A; b++) win += p0[x * A + b] * sig(r[x * A + a] - r[x * A + b]);
        desirable[x * A + a] = w[x] * p0[x * A + a] * win;
        undesirable[x * A + a] = w[x] * p0[x * A + a] * (1 - win);
        for (let x2 = 0; x2 < X; x2++) mismatched[x * A + a] += w[x] * w[x2] * p0[x2 * A + a];
      }
    const labels = { desirable, undesirable, mismatched, size: 1 };
    const score = (pi) => {
      const e = tb.evaluatePolicy(inst, pi);
      if (e._tag !== "Right") throw new Error(String(e.left));
      return e.right.subopt;
    };
    const fit = (objective) => {
      const m = pr.createTrainablePolicy("log-linear", problem);
      pr.fitLogProbObjective(m, objective, 0, { gradientTolerance: 1e-10, maxSteps: 3000 });
      return m.distribution();
    };
    acc.reference.push(score(problem.reference));
    acc.chi2Closed.push(score(pr.chi2RegularizedOptimum(problem.reference, r, eta)));
    acc.chi2po.push(score(fit(pr.chi2poObjective(pairs, problem.reference, eta, 2 * rewardGapBound(problem).value))));
    acc.dpoSft.push(score(fit(pr.dpoSftObjective(pairs, problem.reference, eta, pr.SFT_WEIGHT))));
    acc.kto.push(score(pr.kto(problem, labels, { l2: 0, gradientTolerance: 1e-10 }).policy));
    acc.ktoExact.push(
      score(pr.kto(problem, labels, { l2: 0, referencePoint: "exact", gradientTolerance: 1e-10 }).policy),
    );
  }
  const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = (xs) => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
  const f = (xs) => `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}`;
  console.log(
    `${name} (seeds 0–${seeds - 1}, mean ± sd): SubOpt(π0) ${f(acc.reference)} | χ²-regularised optimum (all policies) ${f(acc.chi2Closed)} | population optimum, log-linear: χ²PO ${f(acc.chi2po)}, DPO+SFT α=1 ${f(acc.dpoSft)}, KTO (batch z0) ${f(acc.kto)}, KTO (z0 exact) ${f(acc.ktoExact)}; DPO 0 (π*)`,
  );
}
