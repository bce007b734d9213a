import type { ResultRow } from "./result-row";

/** "TF.js backends: wasm (120 trials)": which backend the neural trials ran on, from their rows, or null. */
export function backendsUsed(rows: readonly ResultRow[]): string | null {
  const count = new Map<string, number>();
  for (const r of rows) {
    const b = (r.diagnostics as Record<string, unknown> | undefined)?.backend;
    if (typeof b === "string") count.set(b, (count.get(b) ?? 0) + 1);
  }
  if (count.size === 0) return null;
  return `TF.js backends: ${[...count].map(([b, n]) => `${b} (${n} trials)`).join(", ")}`;
}
