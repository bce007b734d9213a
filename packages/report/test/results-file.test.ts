import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OkRow, readResultsFile } from "../src";

const dir = mkdtempSync(join(tmpdir(), "gsh-results-file-"));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n"));
  return p;
};
const ok = (trialId: string, metrics: object = { subopt: 0.5 }) =>
  JSON.stringify({ trialId, status: "ok", environment: "R", algorithm: "a", budget: 100, seed: 0, metrics });

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
    expect(r.corrupt[1].reason).toMatch(/not a result row/);
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
    expect((r.rows[0] as OkRow).metrics).toEqual({ subopt: 0.5, estimationError: 3.25, confidenceBeta: null });
  });

  it("fills the track of rows written before schema 5 from their algorithm (a name it does not know is a plugin's)", () => {
    const row = (trialId: string, algorithmName: string, track?: string) =>
      JSON.stringify({ trialId, status: "failed", algorithmName, error: "x", ...(track ? { track } : {}) });
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

  it("a missing file is empty, not an error (a fresh output folder)", () => {
    expect(readResultsFile(join(dir, "absent.jsonl"))).toEqual({ rows: [], corrupt: [], duplicates: [] });
  });
});
