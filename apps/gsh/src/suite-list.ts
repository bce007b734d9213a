import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either";
import {
  type Registry,
  builtinSuiteNames,
  expandTrials,
  parseSuiteText,
  resolveSuite,
  suitePath,
  builtinSuitesDir,
} from "@gsh/bench";

/** A shipped suite as `gsh list` and `gsh bench --help` show it. */
export interface SuiteLine {
  readonly name: string;
  /** Trials of its grid, or the reason it cannot be expanded here (a missing plugin). */
  readonly trials: number | string;
  /** "216 s (2026-12-05, …)" or "not timed (…)". */
  readonly measured: string;
}

/** Every built-in suite with its trial count and the time a whole run took when it was measured (from the file). */
export function builtinSuiteLines(registry: Registry): SuiteLine[] {
  return builtinSuiteNames().map((name) => {
    const path = suitePath(name);
    const file = parseSuiteText(readFileSync(path, "utf8"), path);
    if (E.isLeft(file)) return { name, trials: "unreadable", measured: "" };
    const suite = resolveSuite(file.right, registry, path, builtinSuitesDir);
    const m = file.right.measured;
    const time = (s: number) => (s >= 600 ? `${(s / 60).toFixed(0)} min` : `${s} s`);
    return {
      name,
      trials: E.isLeft(suite) ? "needs a plugin" : expandTrials(suite.right).length,
      measured: !m
        ? "not timed"
        : m.seconds !== undefined
          ? `${time(m.seconds)} (${m.date}${m.note ? `; ${m.note}` : ""})`
          : `not timed (${m.note ?? m.date})`,
    };
  });
}

/** The suites as aligned lines of at most `width` columns (the measurement's note cut with an ellipsis). */
export function formatSuiteLines(lines: readonly SuiteLine[], width = 120, indent = "  "): string[] {
  const nameW = Math.max(...lines.map((l) => l.name.length));
  const trialsW = Math.max(...lines.map((l) => String(l.trials).length));
  return lines.map((l) => {
    const head = `${indent}${l.name.padEnd(nameW)}  ${String(l.trials).padStart(trialsW)} trials  `;
    const room = width - head.length;
    const m = l.measured.length > room ? `${l.measured.slice(0, room - 1)}…` : l.measured;
    return head + m;
  });
}

/** Text wrapped at `width` columns, the lines after the first indented by `hang` spaces. */
export function hangingWrap(text: string, width = 120, hang = 4): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const limit = out.length ? width - hang : width;
    if (line && line.length + 1 + word.length > limit) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, i) => (i ? " ".repeat(hang) + l : l)).join("\n");
}
