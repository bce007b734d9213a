import { stringify } from "csv-stringify/sync";
import type { ResultRow } from "./result-row";

/** Flat CSV of every row (one line per trial). */
export function resultsCsv(rows: readonly ResultRow[]): string {
  const header = [
    "trialId",
    "suite",
    "environment",
    "environmentId",
    "environmentVersion",
    "algorithm",
    "algorithmName",
    "budget",
    "seed",
    "status",
    "subopt",
    "objective",
    "trueReward",
    "klToReference",
    "queries",
    "candidatesSampled",
    "rewardModelCalls",
    "gradientSteps",
    "confidenceBeta",
    "estimationError",
    "confidenceHeld",
    "boundRhs",
    "estimated",
    "samplesPerPrompt",
    "suboptCi95",
    "winRateVsReference",
    "winRateVsReferenceMode",
    "wallMs",
    "gshVersion",
    "error",
  ];
  const body = rows.map((r) => {
    const m = r.status === "ok" ? r.metrics : undefined;
    return [
      r.trialId,
      r.suite,
      r.environment,
      r.environmentId,
      r.environmentVersion,
      r.algorithm,
      r.algorithmName,
      r.budget,
      r.seed,
      r.status,
      m?.subopt,
      m?.objective,
      m?.trueReward,
      m?.klToReference,
      m?.queries,
      m?.candidatesSampled,
      m?.rewardModelCalls,
      m?.gradientSteps,
      m?.confidenceBeta,
      m?.estimationError,
      m?.confidenceHeld,
      m?.boundRhs,
      m?.estimated ?? false,
      m?.samplesPerPrompt ?? 0,
      m?.ci95?.subopt,
      m?.winRateVsReference,
      m?.winRateVsReferenceMode,
      r.wallMs.toFixed(1),
      r.gshVersion,
      r.status === "failed" ? r.error : "",
    ];
  });
  return stringify([header, ...body]);
}
