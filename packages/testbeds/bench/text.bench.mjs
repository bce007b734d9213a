// `pnpm --filter @gsh/testbeds bench:text [V]` (default 2048): the text testbed's exact metrics and sampling at V words, L = 12,
// 20 prompts. Times (medians of 5) the exact π* (log Z by the shared backward pass), its metrics J and KL (the
// prompt mixture's forward pass) and 10⁴ samples; the baseline in the same process is the same work with π0 laid
// out per prompt (X·(V+1)·V), the layout S uses, run where it fits (V ≤ 512). Prints the peak resident memory.
import { bigramReward, factoredGibbsPolicy, sampleGibbsSequence } from "@gsh/preference";
import { Rng } from "@gsh/core";
import { evaluateGibbsPolicy } from "../dist/index.js";
import { testbedT } from "../dist/node.js";

const V = Number(process.argv[2] ?? 2048);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f, reps = 5) => {
  const ms = [];
  let out;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    out = f();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), out };
};

const t0 = performance.now();
const built = testbedT(0, { vocab: V });
if (built._tag !== "Right") throw new Error(JSON.stringify(built.left));
const T = built.right;
console.log(
  `T at V = ${V} (+ <unk>, </s>), L = ${T.problem.length}, ${T.problem.prompts} prompts: built in ${(performance.now() - t0).toFixed(0)} ms (tokenising, counting, ψ table); ${T.attributes.valenced} vocabulary words carry an AFINN valence`,
);

function measure(problem, label) {
  const b = bigramReward(problem, T.truth.theta);
  const exact = time(() => {
    const g = factoredGibbsPolicy(problem, b, problem.eta);
    return { g, m: evaluateGibbsPolicy(problem, T.truth, g) };
  });
  const { g, m } = exact.out;
  const rng = Rng.seeded(1);
  const y = new Int32Array(problem.length);
  const sampling = time(() => {
    for (let i = 0; i < 10_000; i++) sampleGibbsSequence(g, i % problem.prompts, rng, y);
  });
  console.log(
    `${label.padEnd(34)} exact π* (log Z, J, KL): ${exact.ms.toFixed(0).padStart(6)} ms   10⁴ samples: ${sampling.ms.toFixed(0).padStart(5)} ms   SubOpt(π*) = ${m.subopt.toExponential(1)}, KL(π*‖π0) = ${m.klToReference.toFixed(4)}`,
  );
  return m;
}

const shared = measure(T.problem, "shared π0 (one backward pass)");
const n = T.problem.vocab;
const X = T.problem.prompts;
if ((n + 1) * n * X <= 2 ** 24) {
  // The same π0 replicated per prompt: X·(V+1) rows.
  const reference = new Float64Array(X * (n + 1) * n);
  for (let x = 0; x < X; x++) {
    reference.set(T.problem.reference.subarray(0, n * n), x * (n + 1) * n);
    reference.set(T.problem.reference.subarray((n + x) * n, (n + x + 1) * n), (x * (n + 1) + n) * n);
  }
  const perPrompt = { ...T.problem, reference, referenceLayout: "per-prompt", featureFactors: undefined };
  const m = measure(perPrompt, "baseline: π0 per prompt (as on S)");
  console.log(`  the two layouts agree: |ΔKL| = ${Math.abs(m.klToReference - shared.klToReference).toExponential(1)}`);
} else
  console.log(`(baseline skipped: a per-prompt π0 at V = ${V} is ${((8 * X * (n + 1) * n) / 2 ** 20).toFixed(0)} MB)`);
console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
