import * as E from "fp-ts/lib/Either";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ResultRow, builtinRegistry, expandTrials, parseSuiteText, resolveSuite, runTrial } from "../src";

// An algorithm entry renamed for honesty keeps its per-seed results when `streams` names its old label.

const dir = mkdtempSync(join(tmpdir(), "gsh-streams-"));

async function subopt(entry: string): Promise<number> {
  const path = join(dir, "s.yaml");
  const parsed = parseSuiteText(
    `name: s\nseeds: 1\nbudgets: [200]\nenvironments: [{ name: R }]\nalgorithms: [${entry}]\n`,
    path,
  );
  if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
  const suite = resolveSuite(parsed.right, builtinRegistry(), path, dir);
  if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
  const row: ResultRow = await runTrial(expandTrials(suite.right)[0], builtinRegistry());
  if (row.status !== "ok") throw new Error(row.error);
  return row.metrics.subopt!;
}

describe("an algorithm entry's random streams", () => {
  it("are keyed by its label, or by `streams` when given: a renamed entry with streams = its old label reproduces it", async () => {
    const old = await subopt(`{ label: "old", name: online-gshf, params: { exploration: uniform } }`);
    const renamed = await subopt(
      `{ label: "new", name: online-gshf, params: { exploration: uniform }, streams: "old" }`,
    );
    const fresh = await subopt(`{ label: "new", name: online-gshf, params: { exploration: uniform } }`);
    expect(renamed).toBe(old);
    expect(fresh).not.toBe(old);
  });
});
