import * as E from "fp-ts/lib/Either";
import { type GshError, type Rng, invalidArgument } from "@gsh/core";

// Module bindings for hot loops: inside jest's vm context every global lookup of these costs ~20× more (measured).
const { Number } = globalThis;

/** What the loop needs of an oracle: its running query count (bandit and sequence oracles both have one). */
export interface QueryCounter {
  readonly queries: number;
}

/** One round's pair plan: how a prompt of the round is turned into a labelled pair. */
export interface RoundPlan {
  /** Draws the pair for context x from `rng`, labels it (oracle or model) and records it in the agent's data. */
  readonly collect: (x: number, rng: Rng) => void;
}

/**
 * An online learner as the loop sees it: at the start of each round it fits its main agent on the data so far and
 * returns the round's pair plan (the exploration rule's choice); at the end it learns from the round's batch and
 * reports a trace entry.
 */
export interface OnlineAgent<Entry> {
  /** `size`: the prompts of this round (`batchSize`, or `finalBatchSize` in the final, smaller round). */
  readonly plan: (round: number, rng: Rng, size: number) => E.Either<GshError, RoundPlan>;
  /** `queries`: oracle queries spent since the loop started, counted by the loop, not by the agent. */
  readonly learn: (round: number, queries: number, size: number) => E.Either<GshError, Entry>;
}

export interface OnlineLoopOptions {
  /** T rounds of `batchSize` prompts each. */
  readonly rounds: number;
  readonly batchSize: number;
  /**
   * Prompts of one final, smaller round after the T rounds (0 ≤ r < batchSize; default 0, no extra round): how a
   * budget B is spent whole, T rounds of ⌊B/T⌋ and then B mod T. The T rounds' streams do not depend on it.
   */
  readonly finalBatchSize?: number;
  /** The option names the caller exposes for T and m, so an invalid value is reported under the user's name. */
  readonly names?: { readonly rounds: string; readonly batchSize: string };
  /**
   * Random streams: round t uses `rng.split(`${roundKey}/${t}`)`; its prompts and pairs come from that stream's
   * `pairKey` sub-stream, or from the round stream itself when `pairKey` is null. The keys are the algorithms' own
   * (online GSHF "iteration" + "pairs", iterative DPO "round"), so every per-seed result predating the loop is kept.
   */
  readonly roundKey: string;
  readonly pairKey: string | null;
  /** Draws a prompt x ~ d0. */
  readonly context: (rng: Rng) => number;
}

export interface OnlineLoopResult<Entry> {
  readonly trace: readonly Entry[];
  /** Oracle queries spent by the whole loop. */
  readonly queries: number;
}

/**
 * The online preference-learning protocol shared by online and hybrid GSHF, iterative DPO (bandits and sequences)
 * and plugin rules (spec §4): for t = 1..T, the agent plans the round (main agent + exploration rule), m prompts
 * are drawn from d0 and each gets one labelled pair, then the agent learns from the batch. The loop owns the
 * rounds, the random streams and the query count; the agent owns its model and data.
 *
 * @example
 * const r = onlineLoop(oracle, rng, { rounds: 10, batchSize: 100, roundKey: "round", pairKey: null,
 *   context: (g) => g.categorical(problem.contextWeights) }, agent);
 */
export function onlineLoop<Entry>(
  oracle: QueryCounter,
  rng: Rng,
  options: OnlineLoopOptions,
  agent: OnlineAgent<Entry>,
): E.Either<GshError, OnlineLoopResult<Entry>> {
  const { rounds: T, batchSize: m } = options;
  const names = options.names ?? { rounds: "rounds", batchSize: "batchSize" };
  if (!(Number.isInteger(T) && T >= 1))
    return E.left(invalidArgument(names.rounds, `must be an integer ≥ 1, got ${T}`));
  if (!(Number.isInteger(m) && m >= 1))
    return E.left(invalidArgument(names.batchSize, `must be an integer ≥ 1, got ${m}`));
  const r = options.finalBatchSize ?? 0;
  if (!(Number.isInteger(r) && r >= 0 && r < m))
    return E.left(invalidArgument("finalBatchSize", `must be an integer in [0, ${m}), got ${r}`));
  const start = oracle.queries;
  const trace: Entry[] = [];
  for (let t = 0; t < T + (r > 0 ? 1 : 0); t++) {
    const size = t < T ? m : r;
    const roundRng = rng.split(`${options.roundKey}/${t}`);
    const plan = agent.plan(t, roundRng, size);
    if (E.isLeft(plan)) return plan;
    const draw = options.pairKey === null ? roundRng : roundRng.split(options.pairKey);
    for (let i = 0; i < size; i++) plan.right.collect(options.context(draw), draw);
    const entry = agent.learn(t, oracle.queries - start, size);
    if (E.isLeft(entry)) return entry;
    trace.push(entry.right);
  }
  return E.right({ trace, queries: oracle.queries - start });
}
