import { getOrThrow } from "@gsh/core";
import { ENUMERATION_LIMIT } from "@gsh/preference";
import { z } from "zod";
import { type EnvironmentDefinition, defineEnvironment } from "./define";
import { linearBandit } from "./bandit/linear-bandit";
import { nonTransitiveBandit } from "./bandit/non-transitive";
import { testbedH, testbedP, testbedR } from "./bandit/testbeds";
import { enumerateSequenceInstance } from "./sequence/enumeration";
import { SEQUENCE_SIZES, testbedS } from "./sequence/testbed-s";
import { TEXT_DEFAULTS, type TextObjective } from "./text/testbed-t";
import { testbedT } from "./text/testbed-t-node";
import { DEFAULT_ETA } from "./defaults";

const eta = z.number().positive().default(DEFAULT_ETA);
const preference = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("bradley-terry") }),
    z.object({ kind: z.literal("probit") }),
    z.object({ kind: z.literal("label-noise"), flip: z.number().min(0).max(0.5) }),
    z.object({ kind: z.literal("deterministic") }),
  ])
  .optional();
const variant = { preference, misspecification: z.number().min(0).optional() };
const textParams = {
  eta,
  vocab: z.number().int().min(4).max(4096).default(TEXT_DEFAULTS.vocab),
  length: z.number().int().positive().max(64).default(TEXT_DEFAULTS.length),
  prompts: z.number().int().positive().max(100).default(TEXT_DEFAULTS.prompts),
  preference,
};
// </s>, and <unk> in T's version-1 objectives.
const textTokensBeyondWords = (objective: TextObjective) => (objective === "sentiment" ? 1 : 2);

/** The built-in environments: the testbeds of the spec, by name. */
export const builtinEnvironments: readonly EnvironmentDefinition[] = [
  defineEnvironment({
    name: "R",
    description: "random features, the generic case (X=50, A=32, d=8, B=3, π0 = softmax(g/0.3))",
    params: z.object({ eta, ...variant }).strict(),
    create: (seed, p) => testbedR(seed, p),
    responsesPerPrompt: () => 32,
  }),
  defineEnvironment({
    name: "P",
    description: "the coverage trap, where offline pessimism should matter (A=d=32)",
    params: z.object({ eta, variant: z.enum(["tabular", "one-hot-ish"]).default("tabular"), ...variant }).strict(),
    create: (seed, p) => testbedP(seed, p),
    responsesPerPrompt: () => 32,
  }),
  defineEnvironment({
    name: "H",
    description: "the hidden direction, where online exploration should matter (X=50, A=32, d=8)",
    params: z.object({ eta, hiddenMass: z.number().positive().max(1).default(1e-3), ...variant }).strict(),
    create: (seed, p) => testbedH(seed, p),
    responsesPerPrompt: () => 32,
  }),
  defineEnvironment({
    name: "S-tiny",
    description: "the sequence bandit at V=4, L=4 (256 responses per prompt), enumerated as a finite-action bandit",
    params: z.object({ eta, prompts: z.number().int().positive().default(20) }).strict(),
    create: (seed, p) =>
      enumerateSequenceInstance(testbedS(seed, { ...SEQUENCE_SIZES.tiny, prompts: p.prompts, eta: p.eta })),
    responsesPerPrompt: () => SEQUENCE_SIZES.tiny.vocab ** SEQUENCE_SIZES.tiny.length,
  }),
  defineEnvironment({
    name: "S",
    environmentKind: "sequence",
    description:
      "the sequence bandit, V=8, L=6 (262 144 responses per prompt), 20 prompts, d=16: scored exactly by the DP",
    params: z
      .object({
        eta,
        prompts: z.number().int().positive().max(10_000).default(SEQUENCE_SIZES.default.prompts),
        vocab: z.number().int().positive().max(4096).default(SEQUENCE_SIZES.default.vocab),
        length: z.number().int().positive().max(1024).default(SEQUENCE_SIZES.default.length),
        dim: z.number().int().positive().max(1024).default(SEQUENCE_SIZES.default.dim),
        preference,
      })
      .strict(),
    create: (seed, p) => testbedS(seed, p),
    reuse: "per-seed",
    responsesPerPrompt: (p) => p.vocab ** p.length,
    // ψ and π0 tables, and a few X·L·(V+1)·V Markov tables (π*, the policy scored, the DP's working copy), f64
    memoryBytes: (p) => 8 * (p.vocab + 1) * p.vocab * (p.dim + p.prompts + 4 * p.prompts * p.length),
  }),
  defineEnvironment({
    name: "S-large",
    environmentKind: "sequence",
    description: `the sequence bandit at V=64, L=32 (64³² responses), 20 prompts, d=16: DP only (Option II, which needs enumeration up to ${ENUMERATION_LIMIT} responses, is refused)`,
    params: z.object({ eta, preference }).strict(),
    create: (seed, p) => testbedS(seed, { ...SEQUENCE_SIZES.large, ...p }),
    reuse: "per-seed",
    responsesPerPrompt: () => SEQUENCE_SIZES.large.vocab ** SEQUENCE_SIZES.large.length,
  }),
  defineEnvironment({
    name: "T",
    environmentKind: "sequence",
    description:
      "text: sentences of L=12 tokens continuing 20 sentence-initial words of Moby-Dick under a Kneser-Ney bigram π0 over V=512 words; by default sentiment steering (no <unk>, r* = 0.1 × the sentence's AFINN-165 total, so π* ∝ π0·e^{AFINN total} at η = 0.1); objective positive/concise: version 1 (with <unk>, stylistic features); exact by the DP",
    // "sentiment" has no normBound (its ‖θ*‖ follows from its rule); the version-1 objectives keep theirs (default 6),
    // so their rows' parameters read as before.
    params: z.preprocess(
      (p) =>
        p !== null && typeof p === "object" && !("objective" in p) ? { ...p, objective: TEXT_DEFAULTS.objective } : p,
      z.discriminatedUnion("objective", [
        z.object({ ...textParams, objective: z.literal("sentiment") }).strict(),
        z
          .object({
            ...textParams,
            normBound: z.number().positive().default(TEXT_DEFAULTS.normBound),
            objective: z.enum(["positive", "concise"] satisfies TextObjective[]),
          })
          .strict(),
      ]),
    ),
    create: (seed, p) => getOrThrow(testbedT(seed, p)),
    // Nothing in T is random (θ* is fixed per objective): one instance serves every seed.
    reuse: "any-seed",
    // the vocabulary's words and </s> (and <unk> in version 1) at each of the L positions
    responsesPerPrompt: (p) => (p.vocab + textTokensBeyondWords(p.objective)) ** p.length,
    // ψ ((n+1)·n·7), π0 and a few factored policies ((n+X)·n each), f64, n tokens
    memoryBytes: (p) =>
      8 * (p.vocab + 1 + textTokensBeyondWords(p.objective)) * (p.vocab + textTokensBeyondWords(p.objective)) * 16,
  }),
  defineEnvironment({
    name: "NT",
    environmentKind: "non-transitive",
    description:
      "non-transitive preferences over 5 actions (a cycle of strength κ; no r*): scored by win rates against π0 and π0's most likely action",
    params: z
      .object({
        eta,
        contexts: z.number().int().positive().max(10_000).default(10),
        actions: z.number().int().min(3).max(1000).default(5),
        kappa: z.number().min(0).default(3),
      })
      .strict(),
    create: (seed, p) => nonTransitiveBandit(seed, p),
    responsesPerPrompt: (p) => p.actions,
  }),
  defineEnvironment({
    name: "linear",
    description: "a general linear bandit with the knobs a study needs",
    params: z
      .object({
        contexts: z.number().int().positive().max(1e6).default(50),
        actions: z.number().int().min(2).max(1e6).default(32),
        dim: z.number().int().positive().max(4096).default(8),
        normBound: z.number().positive().default(3),
        eta,
        referenceTemperature: z.number().positive().default(0.3),
        ...variant,
      })
      .strict(),
    create: (seed, p) => linearBandit(seed, p),
    responsesPerPrompt: (p) => p.actions,
    // features X·A·d plus about six X·A tables (π0, r*, π*, working copies), f64
    memoryBytes: (p) => 8 * p.contexts * p.actions * (p.dim + 6),
  }),
] as EnvironmentDefinition[];
