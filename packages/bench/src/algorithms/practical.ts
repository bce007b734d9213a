// The practical track's definitions live in @gsh/practical (TF.js-free root) and "@gsh/practical/neural".
import type { AlgorithmDefinition } from "@gsh/preference";
import { dpoAlgorithm, iterativeDpoAlgorithm, multiStepRsAlgorithm, rsoAlgorithm } from "@gsh/practical";
import { neuralAlgorithms, neuralDpoAlgorithm, neuralIterativeDpoAlgorithm } from "@gsh/practical/neural";

export { neuralAlgorithms };

/** All six practical algorithms, neural ones included (in the registry's order). */
export const practicalAlgorithms: readonly AlgorithmDefinition[] = [
  dpoAlgorithm,
  neuralDpoAlgorithm,
  iterativeDpoAlgorithm,
  rsoAlgorithm,
  multiStepRsAlgorithm,
  neuralIterativeDpoAlgorithm,
] as AlgorithmDefinition[];
