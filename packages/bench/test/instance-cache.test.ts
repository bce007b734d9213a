import * as E from "fp-ts/lib/Either";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "@gsh/preference";
import { type EnvironmentDefinition, type InstanceReuse, defineEnvironment, testbedS } from "@gsh/testbeds";
import { InstanceCache, canonicalJson, instanceBytes, instanceKey } from "../src/instance-cache";
import { type ResultRow, builtinRegistry, expandTrials, parseSuiteText, resolveSuite, runTrial } from "../src";
import { forgetKeptInstances } from "../src/trial";

// A worker keeps instances (and values derived from them) between trials where the definition allows it. The key
// must separate every variant and seed that can differ, the cache must stay within its bytes, and a trial's row must
// not depend on whether its instance was new or kept.

/** A sequence environment whose instances are S at the given size, counting how often it creates one. */
function countingS(reuse: InstanceReuse | undefined, counter: { n: number }): EnvironmentDefinition<{ vocab: number }> {
  return defineEnvironment({
    name: "counting-S",
    environmentKind: "sequence",
    description: "S at a given V, counting its instances",
    params: z.object({ vocab: z.number() }),
    create: (seed, p) => {
      counter.n++;
      return testbedS(seed, { prompts: 2, vocab: p.vocab, length: 3, dim: 4 });
    },
    ...(reuse ? { reuse } : {}),
  });
}

describe("instanceKey", () => {
  const perSeed = { name: "S", reuse: "per-seed" as const };
  const anySeed = { name: "T", reuse: "any-seed" as const };
  it("separates names, parameters and (for per-seed definitions) seeds", () => {
    const keys = [
      instanceKey(perSeed, { eta: 0.1 }, 0),
      instanceKey(perSeed, { eta: 0.1 }, 1),
      instanceKey(perSeed, { eta: 0.3 }, 0),
      instanceKey(perSeed, { eta: 0.1, preference: { kind: "probit" } }, 0),
      instanceKey(perSeed, { eta: 0.1, preference: { kind: "label-noise", flip: 0.1 } }, 0),
      instanceKey(perSeed, { eta: 0.1, preference: { kind: "label-noise", flip: 0.2 } }, 0),
      instanceKey({ name: "S-large", reuse: "per-seed" }, { eta: 0.1 }, 0),
      instanceKey(anySeed, { eta: 0.1 }, 0),
      instanceKey(anySeed, { eta: 0.1, vocab: 2048 }, 0),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
  it("drops the seed only for seed-independent definitions, and ignores the parameters' key order", () => {
    expect(instanceKey(anySeed, { eta: 0.1, vocab: 2048 }, 0)).toBe(instanceKey(anySeed, { vocab: 2048, eta: 0.1 }, 7));
    expect(instanceKey(perSeed, { a: 1, b: { c: 2, d: 3 } }, 4)).toBe(
      instanceKey(perSeed, { b: { d: 3, c: 2 }, a: 1 }, 4),
    );
    expect(canonicalJson({ b: [2, { y: 1, x: 0 }], a: null })).toBe('{"a":null,"b":[2,{"x":0,"y":1}]}');
  });
});

describe("InstanceCache", () => {
  it("creates a new instance every time for a definition that does not allow reuse", () => {
    const counter = { n: 0 };
    const def = countingS(undefined, counter);
    const cache = new InstanceCache();
    const a = cache.get(def, 0, { vocab: 3 });
    const b = cache.get(def, 0, { vocab: 3 });
    expect(a).not.toBe(b);
    expect(counter.n).toBe(2);
    expect(cache.kept.count).toBe(0);
  });

  it("keeps one instance per (parameters, seed) for per-seed definitions: another seed or variant never hits it", () => {
    const counter = { n: 0 };
    const def = countingS("per-seed", counter);
    const cache = new InstanceCache();
    const a = cache.get(def, 0, { vocab: 3 });
    expect(cache.get(def, 0, { vocab: 3 })).toBe(a);
    const otherSeed = cache.get(def, 1, { vocab: 3 });
    const otherVariant = cache.get(def, 0, { vocab: 4 });
    expect(otherSeed).not.toBe(a);
    expect(otherVariant).not.toBe(a);
    expect(otherVariant.instance).not.toBe(a.instance);
    expect(counter.n).toBe(3);
    // what each key holds is what a fresh create gives for it
    const fresh = testbedS(1, { prompts: 2, vocab: 3, length: 3, dim: 4 });
    expect(otherSeed.kind === "sequence" && otherSeed.instance.problem.reference).toEqual(fresh.problem.reference);
  });

  it("shares one instance across seeds for any-seed definitions, but not across variants", () => {
    const counter = { n: 0 };
    const def = countingS("any-seed", counter);
    const cache = new InstanceCache();
    const a = cache.get(def, 0, { vocab: 3 });
    expect(cache.get(def, 5, { vocab: 3 })).toBe(a);
    expect(cache.get(def, 5, { vocab: 4 })).not.toBe(a);
    expect(counter.n).toBe(2);
  });

  it("stays within its bytes, dropping the least recently used instance first", () => {
    const counter = { n: 0 };
    const def = countingS("per-seed", counter);
    const one = instanceBytes(def.create(0, { vocab: 16 }));
    counter.n = 0;
    expect(one).toBeGreaterThan(0);
    const cache = new InstanceCache(3 * one);
    const first = cache.get(def, 0, { vocab: 16 });
    for (let seed = 1; seed < 50; seed++) {
      cache.get(def, seed, { vocab: 16 });
      expect(cache.kept.bytes).toBeLessThanOrEqual(3 * one);
    }
    expect(cache.kept.count).toBe(3);
    expect(counter.n).toBe(50);
    // seed 0 was dropped long ago: asked again, it is created anew
    expect(cache.get(def, 0, { vocab: 16 })).not.toBe(first);
    expect(counter.n).toBe(51);
  });

  it("counts typed arrays reachable through data properties once each, without calling getters", () => {
    let called = false;
    const shared = new Float64Array(10);
    const instance = {
      kind: "sequence",
      instance: {
        a: shared,
        b: { c: shared, d: new Int32Array(4) },
        get lazy() {
          called = true;
          return new Float64Array(1000);
        },
      },
    } as unknown as Parameters<typeof instanceBytes>[0];
    expect(instanceBytes(instance)).toBe(80 + 16);
    expect(called).toBe(false);
  });
});

describe("a trial's row with a kept instance", () => {
  const dir = mkdtempSync(join(tmpdir(), "gsh-instance-cache-"));
  async function rows(yaml: string, fresh: boolean): Promise<ResultRow[]> {
    const path = join(dir, "s.yaml");
    const parsed = parseSuiteText(yaml, path);
    if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
    const suite = resolveSuite(parsed.right, builtinRegistry(), path, dir);
    if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
    const out: ResultRow[] = [];
    for (const t of expandTrials(suite.right)) {
      if (fresh) forgetKeptInstances();
      out.push(await runTrial(t, builtinRegistry()));
    }
    return out;
  }
  const strip = (r: ResultRow) => ({ ...r, wallMs: 0 });

  it("is the row of a fresh instance (S and T, two seeds, three algorithms)", async () => {
    const yaml = [
      "name: s",
      "seeds: 2",
      "budgets: [200]",
      "environments:",
      "  - { name: S, params: { prompts: 3, vocab: 4, length: 3, eta: 0.3 } }",
      "  - { name: T, params: { vocab: 64, length: 4, prompts: 3 } }",
      "algorithms:",
      "  - { name: dpo }",
      "  - { name: rso, params: { syntheticPairs: 64 } }",
      "  - { name: online-gshf, params: { exploration: best-vs-worst } }",
    ].join("\n");
    const fresh = await rows(yaml, true); // a new instance for every trial
    const kept = await rows(yaml, false); // instances and their derived values kept between trials
    const again = await rows(yaml, false);
    expect(fresh.every((r) => r.status === "ok")).toBe(true);
    expect(kept.map(strip)).toEqual(fresh.map(strip));
    expect(again.map(strip)).toEqual(fresh.map(strip));
  });
});
