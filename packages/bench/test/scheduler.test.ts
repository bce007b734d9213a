import * as E from "fp-ts/lib/Either";
import { shardFromEnvironment } from "../src";

// --shard auto when more than one scheduler's variables are set (issue 24, item 15): agreeing ones are fine, a
// disagreement is refused naming both, instead of the first found silently winning.
describe("shardFromEnvironment with several schedulers' variables", () => {
  const slurm = { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "3" };

  it("refuses a Slurm array task and GSH_SHARD_INDEX that disagree", () => {
    const r = shardFromEnvironment({ ...slurm, GSH_SHARD_INDEX: "2", GSH_SHARD_COUNT: "3" });
    expect(E.isLeft(r) && r.left._tag === "InvalidArgument" && r.left.message).toMatch(
      /slurm gives shard 1\/3 but gsh gives shard 2\/3/,
    );
  });

  it("refuses an Indexed Job index that disagrees with a Slurm array task", () => {
    const r = shardFromEnvironment({ ...slurm, JOB_COMPLETION_INDEX: "0", GSH_SHARD_COUNT: "3" });
    expect(E.isLeft(r)).toBe(true);
  });

  it("accepts several that agree, and one alone", () => {
    expect(shardFromEnvironment({ ...slurm, GSH_SHARD_INDEX: "1", GSH_SHARD_COUNT: "3" })).toEqual(
      E.right({ index: 1, count: 3, source: "slurm" }),
    );
    expect(shardFromEnvironment(slurm)).toEqual(E.right({ index: 1, count: 3, source: "slurm" }));
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: "2" }, 4)).toEqual(
      E.right({ index: 2, count: 4, source: "kubernetes" }),
    );
  });
});
