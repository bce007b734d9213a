import type { AlgorithmDefinition } from "@gsh/preference";
import { chi2poAlgorithm } from "./chi2po";
import { dpoAlgorithm } from "./dpo";
import { dpoSftAlgorithm } from "./dpo-sft";
import { iterativeDpoAlgorithm } from "./iterative-dpo";
import { ktoAlgorithm } from "./kto";
import { multiStepRsAlgorithm } from "./multi-step-rs";
import { rewardEnsembleAlgorithm } from "./reward-ensemble";
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
  chi2poAlgorithm,
  dpoSftAlgorithm,
  rewardEnsembleAlgorithm,
  ktoAlgorithm,
] as AlgorithmDefinition[];
