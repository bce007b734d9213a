import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import {
  ENUMERATION_LIMIT,
  PreferenceDataset,
  type SequenceTrialContext,
  finiteGibbsFamily,
  sequenceGibbsFamily,
  winnerMinusLoser,
} from "@gsh/preference";
import { SEQUENCE_SIZES, sampleOfflineData, sampleSequenceOfflineData, testbedR, testbedS } from "@gsh/testbeds";
import { offlineGshf, offlineGshfAlgorithm, offlineGshfOnFamily, offlineAlgorithms } from "../src";

// Issue #23 point 4: invalid inputs come back through the Either API as an InvalidArgument naming the field, never
// as a thrown RangeError (or any throw).
describe("offlineGshf refuses invalid inputs with an InvalidArgument naming the field, never a throw", () => {
  const world = testbedR(0);
  const { data } = sampleOfflineData(world, 50, 0);
  const seq = testbedS(0, { ...SEQUENCE_SIZES.tiny, prompts: 3, eta: 0.3 });
  const seqData = sampleSequenceOfflineData(seq, 50, 0).data;
  const settings = [
    { beta: 0, option: "II" },
    { beta: 1, option: "II" },
    { beta: 0, option: "I" },
    { beta: 1, option: "I" },
  ] as const;

  it.each([0, Number.NaN, -1, Number.POSITIVE_INFINITY])("η = %d in the problem (bandit and sequence)", (eta) => {
    for (const options of settings) {
      expect(offlineGshf({ ...world.problem, eta }, data, options)).toBeLeft("InvalidArgument", { field: "eta" });
      expect(offlineGshf({ ...seq.problem, eta }, seqData, options)).toBeLeft("InvalidArgument", { field: "eta" });
    }
  });

  it("NaN data: features carried by the records, or the problem's feature table", () => {
    const nan = new PreferenceDataset(4, world.problem.dim);
    nan.pushWithFeatures(0, -1, -1, 1, new Float64Array(world.problem.dim).fill(NaN), new Float64Array(8));
    const nanSeq = new PreferenceDataset(4, seq.problem.dim);
    nanSeq.pushWithFeatures(0, -1, -1, 0, new Float64Array(seq.problem.dim), new Float64Array(16).fill(NaN));
    const values = world.problem.features.values.slice();
    values.fill(NaN);
    const nanTable = { ...world.problem, features: { ...world.problem.features, values } };
    for (const options of settings) {
      expect(offlineGshf(world.problem, nan, options)).toBeLeft("InvalidArgument", { field: "data" });
      expect(offlineGshf(seq.problem, nanSeq, options)).toBeLeft("InvalidArgument", { field: "data" });
      expect(offlineGshf(nanTable, data, options)).toBeLeft("InvalidArgument", { field: "features" });
    }
  });

  it("NaN β or λ, and an unknown reference vector", () => {
    expect(offlineGshf(world.problem, data, { beta: NaN })).toBeLeft("InvalidArgument", { field: "beta" });
    expect(offlineGshf(seq.problem, seqData, { beta: NaN })).toBeLeft("InvalidArgument", { field: "beta" });
    expect(offlineGshf(world.problem, data, { beta: 1, lambda: NaN })).toBeLeft("InvalidArgument", { field: "lambda" });
    expect(offlineGshf(seq.problem, seqData, { beta: 1, lambda: NaN })).toBeLeft("InvalidArgument", {
      field: "lambda",
    });
    expect(offlineGshf(world.problem, data, { beta: 1, referenceVector: "mean" as never })).toBeLeft(
      "InvalidArgument",
      { field: "referenceVector" },
    );
  });

  describe("offlineGshfOnFamily (the caller's own design rows)", () => {
    const fam = finiteGibbsFamily(world.problem);
    const Z = winnerMinusLoser(data, world.problem.features);
    const d = world.problem.dim;

    it.each([-1, 1.5, NaN])("n = %d", (n) => {
      for (const beta of [0, 1])
        expect(offlineGshfOnFamily(fam, Z, n, { beta })).toBeLeft("InvalidArgument", { field: "n" });
    });

    it("η = 0 or NaN in the family, NaN rows", () => {
      for (const eta of [0, NaN])
        for (const beta of [0, 1])
          expect(offlineGshfOnFamily({ ...fam, eta }, Z, data.size, { beta })).toBeLeft("InvalidArgument", {
            field: "eta",
          });
      const nanZ = Z.slice();
      nanZ[3 * d + 2] = NaN;
      expect(offlineGshfOnFamily(fam, nanZ, data.size, { beta: 1 })).toBeLeft("InvalidArgument", { field: "Z" });
      const seqFam = sequenceGibbsFamily(seq.problem);
      const seqZ = winnerMinusLoser(seqData, null);
      seqZ[0] = Number.POSITIVE_INFINITY;
      expect(offlineGshfOnFamily(seqFam, seqZ, seqData.size, { beta: 0 })).toBeLeft("InvalidArgument", {
        field: "Z",
      });
    });

    it("valid inputs still fit (n = 0 is the prior: θ̂ = 0)", () => {
      const r = offlineGshfOnFamily(fam, Z, data.size, { beta: 1 });
      expect(r).toBeRight();
      const empty = offlineGshfOnFamily(fam, new Float64Array(0), 0, { beta: 0 });
      expect(E.isRight(empty) && Array.from(empty.right.outputTheta)).toEqual(new Array(d).fill(0));
    });
  });
});

describe("offlineGshfAlgorithm: the benchmark's definition", () => {
  it("is the offline track's one algorithm, with its defaults declared beside it", () => {
    expect(offlineAlgorithms).toEqual([offlineGshfAlgorithm]);
    expect(offlineGshfAlgorithm.name).toBe("offline-gshf");
    expect(offlineGshfAlgorithm.supports).toEqual(["bandit", "non-transitive", "sequence"]);
    expect(offlineGshfAlgorithm.params.parse({})).toEqual({
      beta: 0,
      option: "II",
      lambda: 1,
      behaviour: "reference",
      referenceVector: "per-context",
    });
    expect(() => offlineGshfAlgorithm.params.parse({ betta: 1 })).toThrow();
  });

  const params = (p: object) => offlineGshfAlgorithm.params.parse(p);
  const unsupported = offlineGshfAlgorithm.unsupported!;

  it("refuses, by shape, sequences with off-π0 data and Option II (β > 0) beyond enumeration or of unknown size", () => {
    const S = 8 ** 6; // 262 144 ≤ ENUMERATION_LIMIT
    const large = 64 ** 32;
    expect(S).toBeLessThanOrEqual(ENUMERATION_LIMIT);
    for (const kind of ["bandit", "non-transitive"] as const)
      for (const p of [{ behaviour: "skewed" }, { beta: 1 }, { beta: "sqrt-d" }])
        expect(unsupported({ kind, responsesPerPrompt: large }, params(p))).toBeNull();
    expect(unsupported({ kind: "sequence", responsesPerPrompt: S }, params({ beta: 1 }))).toBeNull();
    expect(unsupported({ kind: "sequence", responsesPerPrompt: large }, params({ beta: 0 }))).toBeNull();
    expect(unsupported({ kind: "sequence", responsesPerPrompt: large }, params({ beta: 1, option: "I" }))).toBeNull();
    expect(unsupported({ kind: "sequence" }, params({ beta: 0 }))).toBeNull();
    expect(unsupported({ kind: "sequence", responsesPerPrompt: S }, params({ behaviour: "uniform" }))).toMatch(
      /π0 offline data only/,
    );
    for (const beta of [1, "sqrt-d", { delta: 0.1, c: 1 }]) {
      expect(unsupported({ kind: "sequence", responsesPerPrompt: large }, params({ beta }))).toMatch(
        new RegExp(`Option II.*exceed the limit ${ENUMERATION_LIMIT}`),
      );
      expect(unsupported({ kind: "sequence" }, params({ beta }))).toMatch(/an unknown number of responses/);
    }
  });

  it("`run` on such a pairing fails with the same reason before drawing any data", () => {
    const large = testbedS(0, SEQUENCE_SIZES.large);
    const ctx: SequenceTrialContext = {
      kind: "sequence",
      problem: large.problem,
      oracle: {} as never, // never queried: the pairing is refused first
      budget: 10,
      rng: Rng.seeded(0),
      seed: 0,
      offlineData: () => {
        throw new Error("no data should be drawn");
      },
    };
    expect(() => offlineGshfAlgorithm.run(ctx, params({ beta: 1 }))).toThrow(
      /offline-gshf is unsupported on this sequence environment: Option II/,
    );
    expect(() => offlineGshfAlgorithm.run(ctx, params({ behaviour: "skewed" }))).toThrow(/π0 offline data only/);
  });
});
