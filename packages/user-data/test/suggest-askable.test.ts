// suggest never re-asks a labelled pair nor repeats one in a batch (unless allowed), and spreads a batch evenly.
import * as E from "fp-ts/lib/Either";
import { Rng, type GshError } from "@gsh/core";
import { sampleOfflineData, testbedH } from "@gsh/testbeds";
import { type SuggestRule, type UserProblem, fitUserModel, suggestPairs, userProblemFromBandit } from "../src";

function right<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
}

const RULES: readonly SuggestRule[] = ["enhancer", "thompson", "uncertainty"];

/** X prompts × n candidates in d = 3 (seeded features), labelled pairs given as [prompt, a, b] triples. */
function problem(X: number, n: number, labelled: [number, number, number][], weights?: number[]): UserProblem {
  const rng = Rng.seeded(X * 100 + n);
  const d = 3;
  const w = weights ?? Array.from({ length: X }, () => 1);
  const total = w.reduce((s, v) => s + v, 0);
  return {
    dim: d,
    dtype: "f64",
    prompts: Array.from({ length: X }, (_, x) => `q${x}`),
    promptWeights: Float64Array.from(w, (v) => v / total),
    promptStart: Int32Array.from({ length: X + 1 }, (_, x) => x * n),
    candidates: Array.from({ length: X * n }, (_, c) => `q${Math.floor(c / n)}/c${c % n}`),
    features: Float64Array.from({ length: X * n * d }, () => rng.normal()),
    referenceLogProb: new Float64Array(X * n).fill(-Math.log(n)),
    chosen: Int32Array.from(labelled, ([x, a]) => x * n + a),
    rejected: Int32Array.from(labelled, ([x, , b]) => x * n + b),
  };
}

const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

describe("suggest: what it may ask", () => {
  it("on a nearly fully labelled problem every rule returns exactly the pairs left, none twice", () => {
    // 3 prompts × 4 candidates: 18 pairs; all of q0's, 5 of q1's, 4 of q2's are labelled (one of them reversed)
    const all: [number, number, number][] = [];
    for (let x = 0; x < 3; x++) for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) all.push([x, a, b]);
    const labelled = all.filter(
      ([x, a, b]) => x === 0 || (x === 1 && !(a === 2 && b === 3)) || (x === 2 && (a === 0 || (a === 1 && b === 2))),
    );
    labelled[7] = [labelled[7][0], labelled[7][2], labelled[7][1]];
    const p = problem(3, 4, labelled);
    const f = right(fitUserModel(p, { folds: 0 }));
    const known = new Set(labelled.map(([x, a, b]) => key(`q${x}/c${a}`, `q${x}/c${b}`)));
    const left = all.filter(([x, a, b]) => !known.has(key(`q${x}/c${a}`, `q${x}/c${b}`)));
    expect(left.length).toBe(3);
    for (const rule of RULES) {
      const s = right(suggestPairs(p, f, { batch: 10, rule, eta: 0.5, rng: Rng.seeded(3) }));
      expect(s.unlabelled).toBe(3);
      const got = s.pairs.map((q) => key(q.first, q.second)).sort();
      expect(got).toEqual(left.map(([x, a, b]) => key(`q${x}/c${a}`, `q${x}/c${b}`)).sort());
    }
  });

  it("a fully labelled problem gives no pair and says none are left; --allow-relabel asks again", () => {
    const all: [number, number, number][] = [];
    for (let x = 0; x < 2; x++) for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) all.push([x, a, b]);
    const p = problem(2, 3, all);
    const f = right(fitUserModel(p, { folds: 0 }));
    for (const rule of RULES) {
      const s = right(suggestPairs(p, f, { batch: 4, rule, eta: 0.5, rng: Rng.seeded(1) }));
      expect(s.pairs).toEqual([]);
      expect(s.unlabelled).toBe(0);
      const again = right(suggestPairs(p, f, { batch: 4, rule, eta: 0.5, rng: Rng.seeded(1), allowRelabel: true }));
      expect(again.pairs.length).toBe(4);
    }
  });

  it("on testbed H's data no suggested pair is labelled and none repeats", () => {
    const inst = testbedH(2);
    const p = userProblemFromBandit(inst.problem, sampleOfflineData(inst, 2000, 2).data);
    const f = right(fitUserModel(p, { folds: 0 }));
    const known = new Set<string>();
    for (let i = 0; i < p.chosen.length; i++) known.add(key(p.candidates[p.chosen[i]], p.candidates[p.rejected[i]]));
    for (const rule of RULES) {
      const s = right(suggestPairs(p, f, { batch: 64, rule, eta: inst.problem.eta, rng: Rng.seeded(2) }));
      expect(s.pairs.length).toBe(64);
      const keys = s.pairs.map((q) => key(q.first, q.second));
      expect(keys.filter((k) => known.has(k))).toEqual([]);
      expect(new Set(keys).size).toBe(64);
    }
  });

  it("on data shaped like the issue's (2000 prompts × 2–4 candidates, most pairs labelled) nothing is asked again", () => {
    // 2000 prompts × 3 candidates, 2 of each prompt's 3 pairs labelled: 2000 pairs left to ask
    const labelled: [number, number, number][] = [];
    for (let x = 0; x < 2000; x++) labelled.push([x, 0, 1], [x, 2, x % 2]);
    const p = problem(2000, 3, labelled);
    const f = right(fitUserModel(p, { folds: 0 }));
    const known = new Set<string>();
    for (let i = 0; i < p.chosen.length; i++) known.add(key(p.candidates[p.chosen[i]], p.candidates[p.rejected[i]]));
    for (const rule of RULES) {
      const s = right(suggestPairs(p, f, { batch: 64, rule, eta: 0.5, rng: Rng.seeded(2) }));
      const keys = s.pairs.map((q) => key(q.first, q.second));
      expect(keys.length).toBe(64);
      expect(keys.filter((k) => known.has(k))).toEqual([]);
      expect(new Set(keys).size).toBe(64);
      if (rule === "uncertainty") continue;
      // with relabelling allowed the same rule does ask labelled pairs: the exclusion is what prevents it
      const free = right(suggestPairs(p, f, { batch: 64, rule, eta: 0.5, rng: Rng.seeded(2), allowRelabel: true }));
      expect(free.pairs.filter((q) => known.has(key(q.first, q.second))).length).toBeGreaterThan(20);
    }
  });

  it('spreads a batch evenly: at most ⌈m / prompts⌉ per prompt, even when d0 favours one prompt; "d0" does not', () => {
    const weights = [100, ...Array.from({ length: 9 }, () => 1)];
    const p = problem(10, 5, [], weights);
    const f = right(fitUserModel({ ...p, chosen: Int32Array.of(0), rejected: Int32Array.of(1) }, { folds: 0 }));
    for (const rule of RULES) {
      const s = right(suggestPairs(p, f, { batch: 20, rule, eta: 0.5, rng: Rng.seeded(5) }));
      const per = new Map<string, number>();
      for (const q of s.pairs) per.set(q.prompt, (per.get(q.prompt) ?? 0) + 1);
      expect(s.pairs.length).toBe(20);
      expect([...per.values()].every((c) => c === 2)).toBe(true);
      expect(s.perPromptCap).toBe(2);
    }
    const skewed = right(
      suggestPairs(p, f, { batch: 20, rule: "enhancer", eta: 0.5, rng: Rng.seeded(5), spread: "d0" }),
    );
    expect(skewed.pairs.filter((q) => q.prompt === "q0").length).toBeGreaterThanOrEqual(8); // d0(q0) = 100/109
  });

  it("the cap rises only when the batch cannot fill otherwise (water-filling)", () => {
    // q0 has 10 pairs, q1 has 1: a batch of 8 gets 1 from q1 and 7 from q0 (cap ⌈8/2⌉ = 4, raised to 7)
    const p: UserProblem = { ...problem(2, 5, []) };
    const small: UserProblem = {
      ...p,
      promptStart: Int32Array.of(0, 5, 7),
      candidates: p.candidates.slice(0, 7),
      features: p.features.slice(0, 21),
      referenceLogProb: Float64Array.of(...new Array(5).fill(-Math.log(5)), -Math.log(2), -Math.log(2)),
      chosen: Int32Array.of(0),
      rejected: Int32Array.of(1),
    };
    const f = right(fitUserModel(small, { folds: 0 }));
    for (const rule of RULES) {
      const s = right(suggestPairs(small, f, { batch: 8, rule, eta: 0.5, rng: Rng.seeded(8) }));
      expect(s.pairs.length).toBe(8);
      expect(s.pairs.filter((q) => q.prompt === "q1").length).toBe(1);
    }
  });

  it("the batch is bounded: 1e9 is a typed error naming batch, not an out-of-memory abort", () => {
    const p = problem(2, 3, [[0, 0, 1]]);
    const f = right(fitUserModel(p, { folds: 0 }));
    expect(suggestPairs(p, f, { batch: 1e9, rule: "enhancer", eta: 0.5, rng: Rng.seeded(1) })).toMatchObject({
      left: { _tag: "InvalidArgument", field: "batch" },
    });
  });
});
