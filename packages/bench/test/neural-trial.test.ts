import { chooseBackend } from "@gsh/practical/neural";
import { builtinRegistry, expandTrials, resolveSuite, runTrial, parseSuiteText } from "../src";
import * as E from "fp-ts/lib/Either";

test("a neural DPO trial runs, is scored exactly and records its TF.js backend", async () => {
  const text = `name: n
seeds: 1
budgets: [300]
environments: [{ name: P, params: { eta: 0.3 } }]
algorithms: [{ name: neural-dpo, params: { steps: 60, width: 32 } }]
`;
  const parsed = parseSuiteText(text, "n.yaml");
  if (E.isLeft(parsed)) throw new Error(JSON.stringify(parsed.left));
  const suite = resolveSuite(parsed.right, builtinRegistry(), "n.yaml", ".");
  if (E.isLeft(suite)) throw new Error(JSON.stringify(suite.left));
  const row = await runTrial(expandTrials(suite.right)[0], builtinRegistry());
  if (row.status !== "ok") throw new Error(row.error);
  expect(row.diagnostics?.backend).toBe(chooseBackend()); // the backend actually used is recorded, whichever it is
  expect(row.diagnostics?.["rewards/accuracies"]).toBeGreaterThan(0.5); // the familiar metrics are logged too
  expect(row.metrics.queries).toBe(300);
  expect(row.metrics.gradientSteps).toBe(60);
  expect(row.metrics.subopt).toBeGreaterThan(0);
}, 30_000);
