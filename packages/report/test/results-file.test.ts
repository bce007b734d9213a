import { appendFileSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OkRow, readResultsFile } from "../src";
import { MAX_LINE_BYTES, forEachLine } from "../src/results-file";

const dir = mkdtempSync(join(tmpdir(), "gsh-results-file-"));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n"));
  return p;
};
const identity = { environment: "R", algorithm: "a", budget: 100, seed: 0 };
const ok = (trialId: string, metrics: object = { subopt: 0.5 }) =>
  JSON.stringify({ trialId, status: "ok", ...identity, metrics: { klToReference: 0.1, queries: 100, ...metrics } });

describe("readResultsFile", () => {
  it("keeps every valid row in file order and reports each bad line by its number, wherever it is", () => {
    const p = file("mixed.jsonl", [
      ok("t1"),
      "{not json",
      ok("t2"),
      "",
      '{"hello": 1}',
      ok("t3"),
      '{"trialId": "t4", "sta',
    ]);
    const r = readResultsFile(p);
    expect(r.rows.map((x) => x.trialId)).toEqual(["t1", "t2", "t3"]);
    expect(r.corrupt.map((b) => [b.line, b.reason.split(" ")[0]])).toEqual([
      [2, "not"],
      [5, "not"],
      [7, "not"],
    ]);
    expect(r.corrupt[1].reason).toMatch(/not a valid result row/);
    expect(r.corrupt[2].text).toBe('{"trialId": "t4", "sta');
  });

  it("keeps the first row of a trial id and reports later ones as duplicates with their line", () => {
    const r = readResultsFile(file("dup.jsonl", [ok("t1", { subopt: 1 }), ok("t2"), ok("t1", { subopt: 2 })]));
    expect(r.rows.map((x) => [x.trialId, (x as OkRow).metrics.subopt])).toEqual([
      ["t1", 1],
      ["t2", 0.5],
    ]);
    expect(r.duplicates).toEqual([expect.objectContaining({ line: 3, reason: "duplicate of trial 't1'" })]);
  });

  it("upgrades rows written before schema 4: confidenceRadius becomes estimationError, confidenceBeta unknown", () => {
    const r = readResultsFile(file("old.jsonl", [ok("t1", { subopt: 0.5, confidenceRadius: 3.25 })]));
    expect((r.rows[0] as OkRow).metrics).toEqual({
      klToReference: 0.1,
      queries: 100,
      subopt: 0.5,
      estimationError: 3.25,
      confidenceBeta: null,
    });
  });

  it("fills the track of rows written before schema 5 from their algorithm (a name it does not know is a plugin's)", () => {
    const row = (trialId: string, algorithmName: string, track?: string) =>
      JSON.stringify({
        trialId,
        status: "failed",
        ...identity,
        algorithmName,
        error: "x",
        ...(track ? { track } : {}),
      });
    const r = readResultsFile(
      file("tracks.jsonl", [
        row("t1", "offline-gshf"),
        row("t2", "online-gshf"),
        row("t3", "rso"),
        row("t4", "my-plugin"),
        row("t5", "rso", "theory"), // a recorded track is kept as written
      ]),
    );
    expect(r.rows.map((x) => x.track)).toEqual(["theory", "online", "practical", "plugin", "theory"]);
  });

  it("a parseable row that is not a valid row (ok without metrics, metrics null, SubOpt a string) is a bad line", () => {
    const noMetrics = JSON.stringify({ trialId: "t2", status: "ok", ...identity });
    const r = readResultsFile(
      file("invalid.jsonl", [
        ok("t1"),
        noMetrics,
        ok("t3", { subopt: "0.5" }),
        ok("t4"),
        ok("t5", { subopt: 0.5, queries: null }),
      ]),
    );
    expect(r.rows.map((x) => x.trialId)).toEqual(["t1", "t4"]);
    expect(r.corrupt.map((b) => [b.line, b.reason])).toEqual([
      [2, "not a valid result row: metrics is undefined, not an object"],
      [3, "not a valid result row: metrics.subopt is not a number or null"],
      [5, "not a valid result row: metrics.queries is not a number"],
    ]);
  });

  it("is read in chunks: the same rows whatever the chunk size, and a line over the limit is a bad line, not a throw", () => {
    const lines = [ok("t1"), "{torn", ok("t2"), "", ok("t3")];
    const p = file("chunks.jsonl", lines);
    const whole: string[] = [];
    forEachLine(p, (t) => whole.push(t ?? "(too long)"));
    for (const chunk of [1, 7, 64]) {
      const got: string[] = [];
      forEachLine(p, (t) => got.push(t ?? "(too long)"), MAX_LINE_BYTES, chunk);
      expect(got).toEqual(whole);
    }
    expect(whole).toEqual(lines);
    const long: (string | null)[] = [];
    forEachLine(p, (t) => long.push(t), ok("t1").length - 1, 5);
    expect(long.map((t) => t === null)).toEqual([true, false, true, false, true]);
  });

  it("reads a results file over 512 MiB (V8's longest string) holding one line over the line limit", () => {
    // A sparse file: 530 MiB of NUL bytes cost no disk, then two rows after a newline.
    const p = join(dir, "huge.jsonl");
    writeFileSync(p, "");
    truncateSync(p, 530 * 2 ** 20);
    appendFileSync(p, "\n" + ok("t1") + "\n" + ok("t2") + "\n");
    const r = readResultsFile(p);
    expect(r.rows.map((x) => x.trialId)).toEqual(["t1", "t2"]);
    expect(r.corrupt).toEqual([
      expect.objectContaining({ line: 1, reason: expect.stringMatching(/over the .*-byte limit/) }),
    ]);
  }, 60_000);

  it("a missing file is empty, not an error (a fresh output folder)", () => {
    expect(readResultsFile(join(dir, "absent.jsonl"))).toEqual({ rows: [], corrupt: [], duplicates: [] });
  });
});
