// Compares two results.jsonl files row by row, field by field, ignoring wallMs (the only field that may differ
// between runs of the same code): the merged shards of a Slurm array against one unsharded run.
//   node tooling/slurm/same-rows.mjs merged/results.jsonl full/results.jsonl
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

const rowsOf = (path) => {
  const rows = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const { wallMs: _ignored, ...row } = JSON.parse(line);
    if (rows.has(row.trialId)) throw new Error(`${path}: trial ${row.trialId} twice`);
    rows.set(row.trialId, row);
  }
  return rows;
};

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error("usage: same-rows.mjs A/results.jsonl B/results.jsonl");
  process.exit(2);
}
const left = rowsOf(a);
const right = rowsOf(b);
const problems = [];
for (const id of left.keys()) if (!right.has(id)) problems.push(`only in ${a}: ${id}`);
for (const id of right.keys()) if (!left.has(id)) problems.push(`only in ${b}: ${id}`);
for (const [id, row] of left) {
  const other = right.get(id);
  if (!other || isDeepStrictEqual(row, other)) continue;
  const fields = [...new Set([...Object.keys(row), ...Object.keys(other)])].filter(
    (k) => !isDeepStrictEqual(row[k], other[k]),
  );
  problems.push(`${id}: ${fields.join(", ")} differ`);
}
if (problems.length > 0 || left.size === 0) {
  console.error(problems.slice(0, 20).join("\n") || "no rows");
  process.exit(1);
}
console.log(`${left.size} rows equal field by field (wallMs aside)`);
