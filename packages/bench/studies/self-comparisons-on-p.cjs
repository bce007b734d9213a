// How often each rule asks about an action against itself on P tabular (η = 0.1, 3000 queries, seeds 0–4, its own
// streams). Usage (after a build): node packages/bench/studies/self-comparisons-on-p.cjs vpo,vpo-reference,xpo
const tb = require("@gsh/testbeds");
const on = require("@gsh/online");
const { Rng } = require("@gsh/core");
for (const rule of process.argv[2].split(",")) {
  let same = 0,
    sameDistr = 0,
    n = 0;
  for (let seed = 0; seed < 5; seed++) {
    const inst = tb.testbedP(seed, { eta: 0.1 });
    const r = on.onlineGshf(
      inst.problem,
      inst.makeOracle(Rng.seeded(seed).split("oracle")),
      Rng.seeded(seed).split("online"),
      { iterations: 10, batchSize: 300, beta: Math.sqrt(32), exploration: rule },
    );
    const d = r.right.data;
    for (let i = 0; i < d.size; i++) {
      n++;
      if (d.first[i] === d.second[i]) {
        same++;
        if (d.first[i] >= 4) sameDistr++;
      }
    }
  }
  console.log(
    `${rule} P@3000 (5 seeds): same-action pairs ${(same / n).toFixed(3)}, of which a distractor with itself ${(sameDistr / n).toFixed(3)}`,
  );
}
