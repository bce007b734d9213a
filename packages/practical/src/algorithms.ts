import type { AlgorithmDefinition } from "@gsh/preference";
import { dpoAlgorithm } from "./dpo";
import { iterativeDpoAlgorithm } from "./iterative-dpo";
import { multiStepRsAlgorithm } from "./multi-step-rs";
import { rsoAlgorithm } from "./rso";
import {
  bestOfNAlgorithm,
  drGrpoAlgorithm,
  grpoAlgorithm,
  pgAuditAlgorithm,
  ppoAlgorithm,
  reinforceAlgorithm,
  reinforcePlusPlusAlgorithm,
  rlooAlgorithm,
} from "./policy-gradient";

/**
 * The practical track's algorithms without TF.js (the neural ones are "@gsh/practical/neural"'s `neuralAlgorithms`);
 * defaults are the issue's, fixed in advance (see the README).
 */
export const practicalAlgorithms: readonly AlgorithmDefinition[] = [
  dpoAlgorithm,
  iterativeDpoAlgorithm,
  rsoAlgorithm,
  multiStepRsAlgorithm,
  reinforceAlgorithm,
  rlooAlgorithm,
  grpoAlgorithm,
  drGrpoAlgorithm,
  reinforcePlusPlusAlgorithm,
  ppoAlgorithm,
  pgAuditAlgorithm,
  bestOfNAlgorithm,
] as AlgorithmDefinition[];
