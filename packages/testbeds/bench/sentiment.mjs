// `pnpm --filter @gsh/testbeds bench:sentiment [V]` (default 512): what the sentiment default of T does to the text,
// by the exact DP (no sampling): per sentence under π0 and π*, the expected number of positive AFINN-165 words, the
// expected AFINN total, the expected length and the share of <unk>, for the sentiment default and version 1
// ("positive"); then checks the issue's two properties (positive words under π* ≥ 3× π0's; <unk> < 2% under both)
// and prints three sampled sentences of π0 and π* (the same random streams for both).
import { Rng } from "@gsh/core";
import { factoredGibbsPolicy, gibbsSequencePolicy, sampleGibbsSequence } from "@gsh/preference";
import { evaluateGibbsPolicy } from "../dist/index.js";
import { testbedT } from "../dist/node.js";

const V = Number(process.argv[2] ?? 512);
let failed = false;
for (const objective of ["sentiment", "positive"]) {
  const built = testbedT(0, { vocab: V, objective });
  if (built._tag !== "Right") throw new Error(JSON.stringify(built.left));
  const T = built.right;
  const { problem, truth } = T;
  const n = problem.vocab;
  const pi0 = factoredGibbsPolicy(problem, new Float64Array((n + 1) * n));
  const s0 = T.sentenceStatistics(gibbsSequencePolicy(pi0));
  const s1 = T.sentenceStatistics(gibbsSequencePolicy(truth.optimalGibbs));
  const m0 = evaluateGibbsPolicy(problem, truth, pi0);
  const m1 = evaluateGibbsPolicy(problem, truth, truth.optimalGibbs);
  console.log(
    `\nT, objective ${objective} (version ${T.version}): V = ${V}, ${n} tokens, L = ${problem.length}, ${problem.prompts} prompts, η = ${problem.eta}, ‖θ*‖ = ${Math.hypot(...truth.theta).toFixed(4)}, θ* = [${[...truth.theta].map((t) => t.toFixed(3)).join(", ")}]`,
  );
  const row = (label, s, m) =>
    console.log(
      `  ${label}  positive words ${s.positiveWords.toFixed(4)}   AFINN total ${s.valence.toFixed(4)}   tokens ${s.tokens.toFixed(3)}   <unk> share ${(100 * s.unknownShare).toFixed(2)}%   E r* ${m.trueReward.toFixed(5)}   KL to π0 ${m.klToReference.toFixed(4)}   SubOpt ${m.subopt.toExponential(3)}`,
    );
  row("π0", s0, m0);
  row("π*", s1, m1);
  const ratio = s1.positiveWords / s0.positiveWords;
  console.log(`  positive words under π* / under π0 = ${ratio.toFixed(3)}`);
  if (objective === "sentiment") {
    const ok1 = ratio >= 3;
    const ok2 = s0.unknownShare < 0.02 && s1.unknownShare < 0.02;
    console.log(
      `  property 1 (ratio ≥ 3): ${ok1 ? "holds" : "FAILS"}; property 2 (<unk> share < 2% under π0 and π*): ${ok2 ? "holds" : "FAILS"}`,
    );
    failed ||= !(ok1 && ok2);
    for (let x = 0; x < 3; x++) {
      const y = new Int32Array(problem.length);
      for (const [label, g] of [
        ["π0", pi0],
        ["π*", truth.optimalGibbs],
      ]) {
        sampleGibbsSequence(g, x, Rng.seeded(0).split(`sentences/${x}`), y);
        console.log(`  ${label}: ${T.decode(x, y)}`);
      }
    }
  }
}
process.exit(failed ? 1 : 0);
