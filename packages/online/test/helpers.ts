import * as E from "fp-ts/lib/Either";
import { Rng } from "@gsh/core";
import { type BanditInstance, evaluatePolicy } from "@gsh/testbeds";
import { onlineGshf, type OnlineGshfOptions } from "../src";

/** Exact SubOpt of a policy (throws on an invalid policy, which a test should never produce). */
export function subopt(inst: BanditInstance, pi: Parameters<typeof evaluatePolicy>[1]): number {
  const m = evaluatePolicy(inst, pi);
  if (E.isLeft(m)) throw new Error(m.left);
  return m.right.subopt;
}

/** One online GSHF run with the oracle and algorithm streams derived from the seed. */
export function online(inst: BanditInstance, seed: number, options: OnlineGshfOptions) {
  const r = onlineGshf(
    inst.problem,
    inst.makeOracle(Rng.seeded(seed).split("oracle")),
    Rng.seeded(seed).split("online"),
    options,
  );
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
}
