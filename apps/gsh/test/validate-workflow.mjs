// Validates a GitHub Actions workflow file against GitHub's own workflow schema (@actions/workflow-parser) and prints
// its errors as a JSON array. Run by deploy.test.ts in a child process: the parser is ES-module only, and on Node 20
// it imports its schema JSON without an import attribute, so a load hook serves .json files as modules.
import { register } from "node:module";
import { readFileSync } from "node:fs";

register(
  "data:text/javascript," +
    encodeURIComponent(`import { readFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:") && url.endsWith(".json"))
    return { format: "module", shortCircuit: true, source: "export default " + readFileSync(new URL(url), "utf8") };
  return next(url, context);
}`),
);
const { parseWorkflow, NoOperationTraceWriter } = await import("@actions/workflow-parser");
const file = process.argv[2];
const parsed = parseWorkflow({ name: file, content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
console.log(JSON.stringify(parsed.context.errors.getErrors().map((e) => e.message)));
