import * as E from "fp-ts/lib/Either";
import { Rng, invalidArgument } from "@gsh/core";
import { onlineLoop } from "../src";

/** A stand-in oracle: every query counts, whoever asks. */
const counter = () => {
  const o = { queries: 0, query: () => (o.queries++, 1) };
  return o;
};

describe("onlineLoop", () => {
  it("draws round t's prompts from rng.split(`${roundKey}/${t}`) (then pairKey), T·m of them, and counts the queries", () => {
    const oracle = counter();
    const seen: number[][] = [];
    const weights = [0.2, 0.5, 0.3];
    const r = onlineLoop(
      oracle,
      Rng.seeded(11),
      { rounds: 3, batchSize: 4, roundKey: "iteration", pairKey: "pairs", context: (g) => g.categorical(weights) },
      {
        plan: (t) => {
          seen.push([]);
          return E.right({
            collect: (x) => {
              seen[t].push(x);
              oracle.query();
              oracle.query(); // two queries per prompt: the loop must count both
            },
          });
        },
        learn: (t, queries) => E.right({ t, queries }),
      },
    );
    expect(E.isRight(r) && r.right.queries).toBe(24);
    expect(E.isRight(r) && r.right.trace).toEqual([
      { t: 0, queries: 8 },
      { t: 1, queries: 16 },
      { t: 2, queries: 24 },
    ]);
    for (let t = 0; t < 3; t++) {
      const g = Rng.seeded(11).split(`iteration/${t}`).split("pairs");
      expect(seen[t]).toEqual([0, 1, 2, 3].map(() => g.categorical(weights)));
    }
  });

  it("spends a remainder r < m in one final round of r prompts on stream `${roundKey}/${T}`; the T rounds are unchanged", () => {
    const run = (finalBatchSize?: number) => {
      const sizes: number[] = [];
      const prompts: number[] = [];
      const oracle = counter();
      const r = onlineLoop(
        oracle,
        Rng.seeded(5),
        {
          rounds: 3,
          batchSize: 4,
          ...(finalBatchSize === undefined ? {} : { finalBatchSize }),
          roundKey: "iteration",
          pairKey: "pairs",
          context: (g) => g.uniform(),
        },
        {
          plan: (_t, _g, size) => (sizes.push(size), E.right({ collect: (x) => (prompts.push(x), oracle.query()) })),
          learn: (t, queries, size) => E.right({ t, queries, size }),
        },
      );
      return { r, sizes, prompts };
    };
    const whole = run(3); // a budget of 15 = 3·4 + 3
    const even = run();
    expect(whole.sizes).toEqual([4, 4, 4, 3]);
    expect(E.isRight(whole.r) && whole.r.right.queries).toBe(15);
    expect(E.isRight(whole.r) && whole.r.right.trace[3]).toEqual({ t: 3, queries: 15, size: 3 });
    expect(whole.prompts.slice(0, 12)).toEqual(even.prompts); // the first T rounds draw exactly as without it
    const g = Rng.seeded(5).split("iteration/3").split("pairs");
    expect(whole.prompts.slice(12)).toEqual([0, 1, 2].map(() => g.uniform()));
    expect(run(0).sizes).toEqual([4, 4, 4]);
    for (const bad of [4, -1, 1.5]) expect(run(bad).r).toBeLeft("InvalidArgument", { field: "finalBatchSize" });
  });

  it("with pairKey null, prompts and the plan share the round stream (iterative DPO's layout)", () => {
    const draws: number[] = [];
    onlineLoop(
      counter(),
      Rng.seeded(3),
      { rounds: 1, batchSize: 2, roundKey: "round", pairKey: null, context: (g) => g.uniform() },
      {
        plan: () => E.right({ collect: (x, g) => draws.push(x, g.uniform()) }),
        learn: () => E.right(null),
      },
    );
    const g = Rng.seeded(3).split("round/0");
    expect(draws).toEqual([0, 1, 2, 3].map(() => g.uniform()));
  });

  it("reports an invalid T or m under the caller's option name, and stops at an agent's error", () => {
    const agent = { plan: () => E.right({ collect: () => {} }), learn: () => E.right(0) };
    const base = { roundKey: "round", pairKey: null, context: () => 0 };
    const bad = onlineLoop(
      counter(),
      Rng.seeded(0),
      { ...base, rounds: 0, batchSize: 1, names: { rounds: "iterations", batchSize: "m" } },
      agent,
    );
    expect(bad).toBeLeft("InvalidArgument", { field: "iterations" });
    const badM = onlineLoop(counter(), Rng.seeded(0), { ...base, rounds: 1, batchSize: 1.5 }, agent);
    expect(badM).toBeLeft("InvalidArgument", { field: "batchSize" });
    let learned = 0;
    const failing = onlineLoop(
      counter(),
      Rng.seeded(0),
      { ...base, rounds: 5, batchSize: 1 },
      {
        plan: (t) => (t === 2 ? E.left(invalidArgument("theta", "diverged")) : E.right({ collect: () => {} })),
        learn: () => E.right(++learned),
      },
    );
    expect(E.isLeft(failing) && failing.left).toMatchObject({ field: "theta" });
    expect(learned).toBe(2);
  });
});
