/** The kinds of environment gsh scores: each has its own learner view and its own exact metrics. */
export const ENVIRONMENT_KINDS = ["bandit", "sequence", "non-transitive"] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

export function isEnvironmentKind(k: unknown): k is EnvironmentKind {
  return typeof k === "string" && (ENVIRONMENT_KINDS as readonly string[]).includes(k);
}
