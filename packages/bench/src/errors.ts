import { type GshError, formatError } from "@gsh/core";
import type { UnsupportedOnKind } from "@gsh/preference";

/** A plugin that cannot be loaded, or exports something that is not a valid definition. */
export interface PluginError {
  readonly _tag: "PluginError";
  readonly specifier: string;
  readonly message: string;
}

/**
 * What can go wrong in the benchmark layer: gsh's math and data errors (invalid arguments, parse and I/O errors of
 * suites and results directories), a plugin that does not load, and a suite pairing an algorithm with an environment
 * it cannot run (`UnsupportedOnKind`, reported when the suite loads).
 */
export type BenchError = GshError | PluginError | UnsupportedOnKind;

/** One line that names what went wrong and where. */
export function formatBenchError(e: BenchError): string {
  switch (e._tag) {
    case "PluginError":
      return `plugin '${e.specifier}': ${e.message}`;
    case "UnsupportedOnKind":
      return e.reason;
    default:
      return formatError(e);
  }
}
