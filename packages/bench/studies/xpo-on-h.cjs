// Where XPO's optimistic policy and the UCB bonus put their mass on H (η = 0.1, hidden mass 10⁻³) after online GSHF with
// XPO (T = 10 rounds of 100), seeds 0–4 on its own streams. Usage (after a build): node packages/bench/studies/xpo-on-h.cjs
const tb = require("@gsh/testbeds");
const on = require("@gsh/online");
const pref = require("@gsh/preference");
const { Rng } = require("@gsh/core");
const hid = (probs, X, A, w) => {
  let m = 0;
  for (let x = 0; x < X; x++) m += w[x] * (probs[x * A + 30] + probs[x * A + 31]);
  return m;
};
for (let seed = 0; seed < 5; seed++) {
  const inst = tb.testbedH(seed, { eta: 0.1, hiddenMass: 0.001 });
  const P = inst.problem,
    { contexts: X, actions: A } = P,
    w = P.contextWeights;
  const r = on.onlineGshf(P, inst.makeOracle(Rng.seeded(seed).split("o")), Rng.seeded(seed).split("r"), {
    iterations: 10,
    batchSize: 100,
    beta: Math.sqrt(8),
    exploration: "xpo",
  });
  const d = r.right.data,
    n = d.size,
    Z = pref.winnerMinusLoser(d, P.features);
  const fam = pref.finiteGibbsFamily(P);
  const th = r.right.theta;
  const opt = on.optimisticMle(fam, Z, n, { alpha: on.xpoValueWeight(Math.sqrt(8), n), lambda: 1, init: th }).right
    .theta;
  const cov = new pref.Covariance(8, 1);
  cov.addRows(Z, n);
  const ucb = on.ucbBonusPolicy({ problem: P, theta: th, covariance: cov, beta: Math.sqrt(8) });
  console.log(
    `seed ${seed}: θ̂_8 ${th[7].toFixed(3)} θ̃_8 ${opt[7].toFixed(3)}; hidden mass: main ${hid(fam.policyOf(th).probs, X, A, w).toExponential(2)}, XPO's optimistic ${hid(fam.policyOf(opt).probs, X, A, w).toExponential(2)}, UCB bonus ${hid(ucb.probs, X, A, w).toExponential(2)}`,
  );
}
