// The worker's registry: the CLI's built-in algorithms and environments (the same definitions, parameter schemas
// and defaults `gsh bench` resolves suites with). The neural algorithms' definitions are small; TF.js itself is
// imported by them the first time one runs, so it is a chunk of its own that a page without them never fetches.
import type { AlgorithmDefinition } from "@gsh/preference";
import { type EnvironmentDefinition } from "@gsh/testbeds";
import { builtinEnvironments } from "@gsh/testbeds/node";
import { offlineAlgorithms } from "@gsh/offline";
import { onlineAlgorithms } from "@gsh/online";
import { practicalAlgorithms } from "@gsh/practical";
import { neuralAlgorithms } from "@gsh/practical/neural";
import type { Registry } from "../../../../packages/bench/src/registry";

/** The testbeds the playground offers (the spec's R, P, H, S and the text testbed T), in this order. */
export const PLAYGROUND_ENVIRONMENTS = ["R", "P", "H", "S", "T"] as const;

const neuralNames = new Set(neuralAlgorithms.map((a) => a.name));
export const isNeural = (name: string) => neuralNames.has(name);

export function playgroundRegistry(): Registry {
  const algorithms: AlgorithmDefinition[] = [
    ...offlineAlgorithms,
    ...onlineAlgorithms,
    ...practicalAlgorithms,
    ...neuralAlgorithms,
  ];
  const environments: EnvironmentDefinition[] = builtinEnvironments.filter((e) =>
    (PLAYGROUND_ENVIRONMENTS as readonly string[]).includes(e.name),
  );
  return {
    algorithms: new Map(algorithms.map((a) => [a.name, a])),
    environments: new Map(environments.map((e) => [e.name, e])),
    plugins: [],
  };
}
