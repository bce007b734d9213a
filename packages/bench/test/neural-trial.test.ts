import { chooseBackend } from "@gsh/practical/neural";
import { builtinRegistry, expandTrials, resolveSuite, runTrial, parseSuiteText } from "../src";
import * as E from "fp-ts/lib/Either";

/** One-algorithm suite text on P (300 queries, seed 0) with the given neural-dpo params, resolved against the registry. */
function neuralSuite(params: string) {
  const text = `name: n
seeds: 1
budgets: [300]
environments: [{ name: P, params: { eta: 0.3 } }]
algorithms: [{ name: neural-dpo, params: ${params} }]
`;
  const parsed = parseSuiteText(text, "n.yaml");
  if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
  return resolveSuite(parsed.right, builtinRegistry(), "n.yaml", ".");
}

/** The row of the suite's only trial (the suite must resolve). */
async function onlyRow(params: string) {
  const suite = neuralSuite(params);
  if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
  const row = await runTrial(expandTrials(suite.right)[0], builtinRegistry());
  if (row.status !== "ok") throw new Error(row.error);
  return row;
}

test("a neural DPO trial runs, is scored exactly and records its TF.js backend", async () => {
  const row = await onlyRow("{ regime: fixed-steps, steps: 60, width: 32 }");
  expect(row.diagnostics?.backend).toBe(chooseBackend()); // the backend actually used is recorded, whichever it is
  expect(row.diagnostics?.["rewards/accuracies"]).toBeGreaterThan(0.5); // the familiar metrics are logged too
  expect(row.metrics.queries).toBe(300);
  expect(row.metrics.gradientSteps).toBe(60);
  expect(row.metrics.subopt).toBeGreaterThan(0);
}, 30_000);

test("in the epoch regime a neural DPO row records its held-out curve, the restored step and the displacement; held-out pairs count as queries", async () => {
  const row = await onlyRow("{ width: 32 }");
  expect(row.metrics.queries).toBe(300);
  // 270 training pairs (every tenth of 300 held out), batch 32: 9 steps an epoch, at most 10 epochs
  expect(row.metrics.gradientSteps).toBeLessThanOrEqual(90);
  expect(row.heldOutLoss!.step[0]).toBe(0);
  expect(row.heldOutLoss!.loss[0]).toBeCloseTo(Math.LN2, 5); // π = π0 before training
  const best = row.diagnostics!.bestStep as number;
  const bestLoss = row.heldOutLoss!.loss[row.heldOutLoss!.step.indexOf(best)];
  expect(Math.min(...row.heldOutLoss!.loss)).toBe(bestLoss);
  const d = row.likelihoodDisplacement!;
  expect(d.step).toEqual(row.heldOutLoss!.step);
  expect(d.chosen[0]).toBeCloseTo(0, 5);
  expect(d.unseenMass[0]).toBeGreaterThan(0);
  expect(d.unseenMass[0]).toBeLessThan(1);
}, 30_000);

test("a fixed-steps-only parameter under the epoch regime is refused when the suite loads, naming it", () => {
  const suite = neuralSuite("{ steps: 60 }");
  expect(E.isLeft(suite) && JSON.stringify(suite.left)).toMatch(/steps.*fixed-steps/);
});
