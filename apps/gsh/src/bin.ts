#!/usr/bin/env node
import { main } from "./cli";

/**
 * Exits once stdout and stderr have drained: a pipe (`gsh policy … | wc -l`) is written asynchronously, so calling
 * process.exit at once would cut the output. An empty write's callback runs after every earlier write was flushed.
 */
function exitAfterDrain(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

// A promise that never settles (a plugin whose top-level await hangs) would let Node end with exit code 0 and no
// word: say so, and fail.
let settled = false;
process.once("beforeExit", () => {
  if (settled) return;
  console.error(
    "gsh: internal error: the command ended without finishing (a promise never settled, e.g. a plugin's top-level await)",
  );
  exitAfterDrain(3);
});

void main(process.argv).then((code) => {
  settled = true;
  exitAfterDrain(code);
});
