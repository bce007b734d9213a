import * as E from "fp-ts/lib/Either";
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, chiSquareTest } from "@gsh/core";
import { PreferenceDataset, samplePairs, winnerMinusLoser, parseRecord } from "@gsh/preference";
import { sampleOfflineData, testbedP, testbedR, behaviourProbabilities } from "../src";
import { readPreferencesJsonl, writePreferencesJsonl } from "@gsh/preference/node";

const dir = mkdtempSync(join(tmpdir(), "gsh-data-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("datasets", () => {
  it("offline data depend on (testbed, seed, behaviour) only and are nested in n", () => {
    const inst = testbedR(3);
    const a = sampleOfflineData(inst, 300, 3).data;
    const b = sampleOfflineData(testbedR(3, { eta: 1 }), 1000, 3).data;
    expect(Array.from(b.prefix(300).first)).toEqual(Array.from(a.first));
    expect(Array.from(b.prefix(300).label)).toEqual(Array.from(a.label));
    expect(sampleOfflineData(inst, 10, 3).queries).toBe(10);
  });

  it("pairs are drawn from the behaviour policy (χ² on testbed P's π0, p > 1e-3)", () => {
    const inst = testbedP(0);
    const probs = behaviourProbabilities(inst, "reference");
    const counts = new Array(32).fill(0);
    const { data } = sampleOfflineData(inst, 20_000, 0);
    for (const a of data.first) counts[a]++;
    expect(chiSquareTest(counts, probs).pValue).toBeGreaterThan(1e-3);
    // the skewed behaviour multiplies the top quarter of actions by r* (8 of 32) by 0.01, then renormalizes
    const skew = behaviourProbabilities(inst, "skewed");
    const ratio = Array.from(skew, (v, a) => v / probs[a]);
    const high = Math.max(...ratio);
    const low = ratio.filter((r) => Math.abs(r - 0.01 * high) < 1e-12 * high);
    expect(low).toHaveLength(8);
    expect(ratio.filter((r) => Math.abs(r - high) < 1e-12 * high)).toHaveLength(24);
    expect(ratio[0]).toBeCloseTo(0.01 * high, 12); // action 0 (the good one) is among them
    expect(skew.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it("winner − loser rows follow the label", () => {
    const d = new PreferenceDataset(2);
    d.push(0, 0, 1, 1);
    d.push(0, 0, 1, 0);
    d.push(0, 1, 0, 1); // grows past the capacity
    const f = { contexts: 1, actions: 2, dim: 2, values: Float64Array.from([1, 0, 0, 1]) };
    expect(Array.from(winnerMinusLoser(d, f))).toEqual([1, -1, -1, 1, -1, 1]);
    const e = new PreferenceDataset(1, 2);
    e.pushWithFeatures(0, 0, 1, 0, [1, 2], [0.5, 0.5]);
    expect(Array.from(winnerMinusLoser(e, null))).toEqual([-0.5, -1.5]);
  });

  it("samplePairs counts one query per pair, identical actions included", () => {
    const inst = testbedP(1);
    const oracle = inst.makeOracle(Rng.seeded(0));
    const point = new Float64Array(32);
    point[5] = 1;
    samplePairs(point, point, inst.problem.contextWeights, 32, 7, oracle, Rng.seeded(1));
    expect(oracle.queries).toBe(7);
  });
});

describe("JSONL read/write", () => {
  it("round-trips a dataset, with and without features", async () => {
    const { data } = sampleOfflineData(testbedR(0), 500, 0);
    const p = join(dir, "r.jsonl");
    expect(await writePreferencesJsonl(p, data)()).toEqual(E.right(500));
    expect(existsSync(`${p}.tmp`)).toBe(false);
    const back = await readPreferencesJsonl(p, { contexts: 50, actions: 32 })();
    expect(back).toBeRight();
    if (E.isRight(back)) {
      expect(Array.from(back.right.dataset.first)).toEqual(Array.from(data.first));
      expect(Array.from(back.right.dataset.label)).toEqual(Array.from(data.label));
    }
    const withF = new PreferenceDataset(2, 3);
    withF.pushWithFeatures(1, 0, 1, 1, [0.1, -2, 1e-17], [3, 4, 5]);
    const q = join(dir, "f.jsonl");
    await writePreferencesJsonl(q, withF)();
    const back2 = await readPreferencesJsonl(q, { featureDim: 3 })();
    expect(E.isRight(back2) && Array.from(back2.right.dataset.firstFeatures)).toEqual([0.1, -2, 1e-17]);
  });

  const good = '{"x":0,"a1":1,"a2":2,"y":1}';
  const cases: [string, string, number, string, RegExp][] = [
    ["bad JSON", `${good}\n{"x":0,"a1":1,\n`, 2, "(json)", /not valid JSON/],
    [
      "NaN written as a string",
      `${good}\n${good}\n{"x":0,"a1":"NaN","a2":2,"y":1}\n`,
      3,
      "a1",
      /finite number, got "NaN"/,
    ],
    [
      "NaN feature written as null",
      `{"x":0,"a1":1,"a2":2,"y":1,"phi1":[1,null,0],"phi2":[0,0,0]}\n`,
      1,
      "phi1[1]",
      /NaN or ±Infinity/,
    ],
    [
      "wrong feature length",
      `{"x":0,"a1":1,"a2":2,"y":1,"phi1":[1,0],"phi2":[0,0,0]}\n`,
      1,
      "phi1",
      /wrong feature length: 2 entries, expected 3/,
    ],
    ["missing label", `${good}\n\n{"x":0,"a1":1,"a2":2}\n`, 3, "y", /missing label/],
    ["unknown action", `{"x":0,"a1":1,"a2":40,"y":0}\n`, 1, "a2", /unknown action 40 \(there are 32\)/],
    ["label out of range", `{"x":0,"a1":1,"a2":2,"y":2}\n`, 1, "y", /0 or 1/],
    ["empty file", "", 0, "(file)", /empty dataset/],
    ["only blank lines", "\n\n", 0, "(file)", /empty dataset/],
  ];
  it.each(cases)("%s gives a ParseError naming its line and field", async (name, text, line, field, message) => {
    const p = file(`${name.replace(/\W/g, "_")}.jsonl`, text);
    const featureDim = /feature/.test(name) ? 3 : undefined;
    const r = await readPreferencesJsonl(p, { contexts: 50, actions: 32, featureDim })();
    expect(r).toBeLeft("ParseError");
    if (E.isLeft(r) && r.left._tag === "ParseError") {
      expect(r.left.line).toBe(line);
      expect(r.left.field).toBe(field);
      expect(r.left.message).toMatch(message);
      expect(r.left.source).toBe(p);
    } else throw new Error(`expected a ParseError, got ${JSON.stringify(r)}`);
  });

  it("skip mode keeps every good record and lists each bad line", async () => {
    const p = file("mixed.jsonl", `${good}\n{"x":0\n${good}\n{"x":0,"a1":1,"a2":99,"y":1}\n${good}\n`);
    const r = await readPreferencesJsonl(p, { actions: 32, onError: "skip" })();
    expect(r).toBeRight();
    if (E.isRight(r)) {
      expect(r.right.dataset.size).toBe(3);
      expect(r.right.skipped.map((e) => (e._tag === "ParseError" ? e.line : -1))).toEqual([2, 4]);
    }
  });

  it("a missing file is an IOError; a failed write leaves the old file intact", async () => {
    const r = await readPreferencesJsonl(join(dir, "nope.jsonl"))();
    expect(r).toBeLeft("IOError");
    const p = file("keep.jsonl", good + "\n");
    const w = await writePreferencesJsonl(join(dir, "no-such-dir", "x.jsonl"), new PreferenceDataset())();
    expect(w).toBeLeft("IOError");
    expect(readFileSync(p, "utf8")).toBe(good + "\n");
  });
});

describe("JSONL records: hostile lines get typed errors", () => {
  const parse = (line: string, lineNo = 2) => parseRecord(line, lineNo, "f.jsonl", {});
  it("duplicate keys, huge indices, huge bad values and a byte-order mark", () => {
    const dup = parse('{"x": 0, "a1": 1, "a2": 2, "y": 1, "x": 5}');
    expect(E.isLeft(dup) && dup.left).toMatchObject({
      _tag: "ParseError",
      line: 2,
      field: "x",
      message: "duplicate key",
    });
    const big = parse('{"x": 3000000000, "a1": 1, "a2": 2, "y": 1}');
    expect(E.isLeft(big) && big.left).toMatchObject({
      field: "x",
      message: expect.stringMatching(/larger than 2147483647/),
    });
    const huge = parse(`{"x": 0, "a1": "${"z".repeat(2_000_000)}", "a2": 2, "y": 1}`);
    expect(E.isLeft(huge) && huge.left.message.length).toBeLessThan(200);
    expect(E.isLeft(huge) && huge.left.message).toMatch(/2000002 characters/);
    const bom = parse('\uFEFF{"x": 0, "a1": 1, "a2": 2, "y": 1}', 1);
    expect(bom).toBeRight();
  });
});
