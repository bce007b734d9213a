import * as E from "fp-ts/lib/Either";
import { type Policy, klToReference } from "@gsh/core";
import { sampleOfflineData, testbedR } from "@gsh/testbeds";
import { geometricCheckpoints, offlineDpo } from "@gsh/practical";
import { banditTrainingPath } from "../src/over-optimization";

describe("over-optimisation along DPO's training steps", () => {
  const inst = testbedR(4, { eta: 0.1 });
  const { problem } = inst;
  const data = sampleOfflineData(inst, 300, 4).data;
  const path: { step: number; policy: Policy }[] = [];
  const r = offlineDpo(problem, data, {
    onCheckpoint: {
      checkpoint: geometricCheckpoints,
      record: (step, p) => path.push({ step, policy: p.distribution() }),
    },
  });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  const final = r.right.policy.distribution();

  it("recording the path does not change training: the same parameters to the last bit", () => {
    const plain = offlineDpo(problem, data);
    if (E.isLeft(plain)) throw new Error(JSON.stringify(plain.left));
    expect(Array.from(plain.right.policy.getParameters())).toEqual(Array.from(r.right.policy.getParameters()));
    expect(path[0].step).toBe(0);
    expect(path.map((p) => p.step).every((s) => s === 0 || geometricCheckpoints(s))).toBe(true);
    expect(path.length).toBeGreaterThan(3);
  });

  it("starts at π0 (KL, gold and proxy gains 0) and its proxy at the trained policy is η(KL(π‖π0) + KL(π0‖π)), exactly", () => {
    const withFinal = [...path, { step: r.right.train.steps, policy: final }];
    const s = banditTrainingPath(inst, withFinal, final);
    if (!s) throw new Error("no path");
    expect(Math.abs(s.kl[0])).toBeLessThan(1e-15);
    expect(Math.abs(s.gold[0])).toBeLessThan(1e-15);
    expect(Math.abs(s.proxy[0])).toBeLessThan(1e-15);
    const last = s.proxy.length - 1;
    const w = problem.contextWeights;
    const closed =
      problem.eta * (klToReference(final, problem.reference, w) + klToReference(problem.reference, final, w));
    expect(Math.abs(s.proxy[last] - closed)).toBeLessThan(1e-12);
    expect(Math.abs(s.kl[last] - klToReference(final, problem.reference, w))).toBeLessThan(1e-15);
  });
});
