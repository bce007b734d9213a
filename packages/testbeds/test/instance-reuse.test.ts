import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either";
import type { TextResources } from "@gsh/text";
import { testbedS } from "../src";
import { builtinEnvironments, testbedT } from "../src/node";

// The definitions' `reuse` declarations are claims a runner acts on (it keeps instances between trials): S's instance
// must be a function of (seed, params) alone, and T's of its params alone.

const arrays = (i: { problem: object; truth: { theta: Float64Array; bigram: Float64Array; logZ: Float64Array } }) => ({
  problem: i.problem,
  theta: i.truth.theta,
  bigram: i.truth.bigram,
  logZ: i.truth.logZ,
});

describe("instance reuse declarations", () => {
  const reuse = (name: string) => builtinEnvironments.find((e) => e.name === name)?.reuse;

  it("declare S and S-large per-seed and T seed-independent; every other built-in is created per trial", () => {
    expect(reuse("S")).toBe("per-seed");
    expect(reuse("S-large")).toBe("per-seed");
    expect(reuse("T")).toBe("any-seed");
    for (const e of builtinEnvironments) if (!["S", "S-large", "T"].includes(e.name)) expect(e.reuse).toBeUndefined();
  });

  it("S: the same (seed, params) gives the same instance; another seed gives another", () => {
    const p = { prompts: 3, vocab: 5, length: 4, dim: 4 };
    expect(arrays(testbedS(3, p))).toEqual(arrays(testbedS(3, p)));
    expect(testbedS(4, p).problem.reference).not.toEqual(testbedS(3, p).problem.reference);
  });

  it("T: every seed gives the same instance", () => {
    const resources: TextResources = {
      corpus: readFileSync(join(__dirname, "fixtures", "moby-dick-chapter-1.txt"), "utf8"),
      valence: new Map([
        ["good", 3],
        ["grim", -2],
      ]),
      stopWords: new Set(["the", "of"]),
    };
    const at = (seed: number) => {
      const t = testbedT(seed, { vocab: 40, prompts: 4, length: 4, resources });
      if (E.isLeft(t)) throw new Error(JSON.stringify(t.left));
      return t.right;
    };
    const a = at(0);
    const b = at(17);
    expect(arrays(b)).toEqual(arrays(a));
    expect(b.truth.optimalObjective).toBe(a.truth.optimalObjective);
    expect(b.promptWords).toEqual(a.promptWords);
  });
});
