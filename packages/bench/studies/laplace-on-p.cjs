// Why Laplace posterior sampling fails on P (tabular): where its draws put mass, and what H⁻¹ looks like there.
// Usage (after a build): node packages/bench/studies/laplace-on-p.cjs [rules, comma-separated] [budget]
// Online GSHF with each rule on P tabular (η = 0.1, T = 10, β = √32), seeds 0–19 (its own streams, not the bench's):
// the kinds of pairs asked, the posterior's sd at the end (diag of H⁻¹), where 50 posterior draws' Gibbs policies
// put their mass, and the main agent's mass on the 28 distractors (π*: 0.0049).
const tb = require("@gsh/testbeds");
const on = require("@gsh/online");
const pref = require("@gsh/preference");
const { Rng, cholesky, choleskySolve, gibbsPolicy, linearReward } = require("@gsh/core");
const rules = (process.argv[2] || "posterior-laplace,on-policy,enhancer").split(",");
const budget = Number(process.argv[3] || 1000);
const seeds = 20;
for (const rule of rules) {
  const agg = {
    goodVsDistr: 0,
    distrVsDistr: 0,
    same: 0,
    badInvolved: 0,
    n: 0,
    drawMassDistr: 0,
    drawMassGood: 0,
    draws: 0,
    sdDistr: 0,
    sdGood: 0,
    mainMassDistr: 0,
    subopt: 0,
  };
  for (let seed = 0; seed < seeds; seed++) {
    const inst = tb.testbedP(seed, { eta: 0.1 });
    const r = on.onlineGshf(
      inst.problem,
      inst.makeOracle(Rng.seeded(seed).split("oracle")),
      Rng.seeded(seed).split("online"),
      { iterations: 10, batchSize: budget / 10, beta: Math.sqrt(32), exploration: rule },
    );
    const data = r.right.data;
    for (let i = 0; i < data.size; i++) {
      const a = data.first[i],
        b = data.second[i];
      agg.n++;
      if (a === b) agg.same++;
      else if ((a === 0 && b >= 4) || (b === 0 && a >= 4)) agg.goodVsDistr++;
      else if (a >= 4 && b >= 4) agg.distrVsDistr++;
      if ((a >= 1 && a <= 3) || (b >= 1 && b <= 3)) agg.badInvolved++;
    }
    // the posterior at the end: θ̂ and H on all data; draws' Gibbs policies
    const Z = pref.winnerMinusLoser(data, inst.problem.features);
    const theta = r.right.theta;
    const H = pref.bradleyTerryHessian(Z, data.size, 32, theta, 1);
    // diag of H⁻¹
    const L = cholesky(H, 32);
    let sdD = 0;
    for (let k = 0; k < 32; k++) {
      const e = new Float64Array(32);
      e[k] = 1;
      const v = choleskySolve(L, 32, e)[k];
      if (k >= 4) sdD += Math.sqrt(v) / 28;
      else if (k === 0) agg.sdGood += Math.sqrt(v);
    }
    agg.sdDistr += sdD;
    const sampler = on.laplacePosteriorSampler(theta, H);
    const rng = Rng.seeded(seed).split("measure");
    for (let j = 0; j < 50; j++) {
      const t = sampler(rng);
      const p = gibbsPolicy(inst.problem.reference, linearReward(inst.problem.features, t), 0.1).policy.probs;
      let md = 0;
      for (let a = 4; a < 32; a++) md += p[a];
      agg.drawMassDistr += md;
      agg.drawMassGood += p[0];
      agg.draws++;
    }
    const pm = r.right.policy.probs;
    let md = 0;
    for (let a = 4; a < 32; a++) md += pm[a];
    agg.mainMassDistr += md;
    const ev = tb.evaluatePolicy(inst, r.right.policy);
    agg.subopt += ev.right.subopt;
  }
  const f = (v) => v.toFixed(3);
  console.log(
    `${rule} @${budget}: pairs good-vs-distractor ${f(agg.goodVsDistr / agg.n)}, distractor-vs-distractor ${f(agg.distrVsDistr / agg.n)}, same action ${f(agg.same / agg.n)}, with a bad action ${f(agg.badInvolved / agg.n)}; final posterior sd: good ${f(agg.sdGood / seeds)}, distractor mean ${f(agg.sdDistr / seeds)}; a posterior draw's Gibbs policy: mass on distractors ${f(agg.drawMassDistr / agg.draws)}, on the good action ${f(agg.drawMassGood / agg.draws)}; main agent's mass on distractors ${f(agg.mainMassDistr / seeds)} (π*: 0.0049); SubOpt ${f(agg.subopt / seeds)}`,
  );
}
