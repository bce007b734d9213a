import { AliasTable, Rng, gibbsPolicy, kl, klToReference, objective } from "@gsh/core";
import { evaluatePolicy, testbedR } from "@gsh/testbeds";
import {
  type KlConfig,
  auditFactors,
  covariancePreconditioner,
  finiteExpectedUpdate,
  finiteFeatureCovariance,
  finitePolicyModel,
  grpoRule,
  drGrpoRule,
  iterateToFixedPoint,
  objectiveConfig,
  reinforceRule,
  rlooRule,
  sampledUpdate,
  tabularPreconditioner,
  UNIT_FACTORS,
  type PolicyModel,
} from "../src/policy-gradient";
import { numericGradient } from "./finite-differences";

// The exact gradient audit on finite bandits, checked against the mathematics: finite differences of J and of both
// KLs computed by core's own functions (independent of the audit's sums), and Monte-Carlo means of the sampled
// update within their 99% intervals.

const world = testbedR(0, { eta: 0.3 });
const { problem } = world;
const reward = world.truth.reward;

// parameters away from π0, so every KL term is non-trivial
function modelAt(kind: "log-linear" | "tabular"): PolicyModel<number> {
  const m = finitePolicyModel(problem, kind);
  const r = Rng.seeded(1).split(kind);
  for (let k = 0; k < m.size; k++) m.params[k] = 0.5 * r.normal();
  m.refresh();
  return m;
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
// compared on the coordinates b has
const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(b, (v, i) => a[i] - v);
const zeros = new Float64Array(problem.contexts * problem.actions);
const cfg = (estimator: KlConfig["estimator"], placement: KlConfig["placement"], coefficient = 0.2): KlConfig => ({
  coefficient,
  estimator,
  placement,
  granularity: "sequence",
});

describe.each(["log-linear", "tabular"] as const)("exact audit on R (%s)", (kind) => {
  const J = (m: PolicyModel<number>) => () =>
    objective(m.output() as never, problem.reference, reward, problem.eta, problem.contextWeights);

  it("REINFORCE's expected update with k1 in the reward at η_t = η is ∇J (1e-10)", () => {
    const m = modelAt(kind);
    const u = finiteExpectedUpdate(m, problem, reward, objectiveConfig(problem.eta), UNIT_FACTORS);
    const g = numericGradient(m, J(m), 64);
    expect(maxAbs(diff(u, g))).toBeLessThan(1e-10 * Math.max(1, maxAbs(g)));
    expect(maxAbs(g)).toBeGreaterThan(1e-3);
  });

  it("k2 differentiated in the loss is η_t·∇KL(π‖π0); k3 is η_t·∇KL(π0‖π); k1 contributes nothing", () => {
    const m = modelAt(kind);
    const w = problem.contextWeights;
    const forward = numericGradient(m, () => klToReference(m.output() as never, problem.reference, w), 64);
    const reverse = numericGradient(m, () => kl(problem.reference, m.output() as never, w), 64);
    const k2 = finiteExpectedUpdate(m, problem, zeros, cfg("k2", "loss"), UNIT_FACTORS);
    const k3 = finiteExpectedUpdate(m, problem, zeros, cfg("k3", "loss"), UNIT_FACTORS);
    const k1 = finiteExpectedUpdate(m, problem, zeros, cfg("k1", "loss"), UNIT_FACTORS);
    // the update ascends, so it is −η_t·∇KL
    expect(
      maxAbs(
        diff(
          k2,
          forward.map((v) => -0.2 * v),
        ),
      ),
    ).toBeLessThan(1e-10 * Math.max(1, maxAbs(forward)));
    expect(
      maxAbs(
        diff(
          k3,
          reverse.map((v) => -0.2 * v),
        ),
      ),
    ).toBeLessThan(1e-10 * Math.max(1, maxAbs(reverse)));
    expect(maxAbs(k1)).toBeLessThan(1e-13);
    expect(maxAbs(forward)).toBeGreaterThan(1e-4);
    // the two KLs' gradients really differ here (so the two checks above are not one)
    expect(maxAbs(diff(forward, reverse))).toBeGreaterThan(0.05 * maxAbs(forward));
  });

  it("exact expected updates with k1 in the reward converge to π* (SubOpt ≤ 1e-8), REINFORCE and RLOO", () => {
    for (const learner of ["reinforce", "rloo"] as const) {
      const m = finitePolicyModel(problem, kind);
      const f = auditFactors(learner, { samplesPerPrompt: 8 }, 1)!;
      const fp = iterateToFixedPoint(
        m,
        () => finiteExpectedUpdate(m, problem, reward, objectiveConfig(problem.eta), f),
        () =>
          kind === "tabular"
            ? tabularPreconditioner(problem, m.output() as never)
            : covariancePreconditioner(finiteFeatureCovariance(problem, m.output() as never), problem.dim, problem.eta),
        { eta: problem.eta, etaTrain: problem.eta, rewardFactor: f.reward },
      );
      expect(fp.converged).toBe(true);
      const e = evaluatePolicy(world, m.output() as never);
      if (e._tag === "Left") throw new Error(e.left);
      expect(e.right.subopt).toBeLessThanOrEqual(1e-8);
    }
  });
});

describe("group-mean baselines and a KL in the loss (GRPO without std, Dr. GRPO)", () => {
  it("the fixed point of k2 in the loss is the Gibbs policy at η_t·k/(k−1), not π* (k = 8)", () => {
    const k = 8;
    const m = finitePolicyModel(problem, "log-linear");
    const f = auditFactors("dr-grpo", { samplesPerPrompt: k }, 1)!;
    const fp = iterateToFixedPoint(
      m,
      () => finiteExpectedUpdate(m, problem, reward, cfg("k2", "loss", problem.eta), f),
      () => covariancePreconditioner(finiteFeatureCovariance(problem, m.output() as never), problem.dim, problem.eta),
      { eta: problem.eta, etaTrain: problem.eta, rewardFactor: f.reward },
    );
    expect(fp.converged).toBe(true);
    const target = gibbsPolicy(problem.reference, reward, (problem.eta * k) / (k - 1)).policy;
    const pi = m.output() as never as { probs: Float64Array };
    expect(maxAbs(diff(pi.probs, target.probs))).toBeLessThan(1e-9);
    const e = evaluatePolicy(world, pi as never);
    if (e._tag === "Left") throw new Error(e.left);
    expect(e.right.subopt).toBeGreaterThan(1e-4);
  });
});

describe("Monte-Carlo means of the sampled update agree with the exact expectation (99% intervals)", () => {
  const contexts = new AliasTable(problem.contextWeights);
  const env = {
    drawPrompt: (r: Rng) => contexts.sample(r),
    reward: (x: number, a: number) => reward[x * problem.actions + a],
  };
  const k = 4;
  const cases = [
    { name: "REINFORCE (baseline from an earlier batch)", learner: "reinforce" as const, rule: () => reinforceRule() },
    { name: "RLOO", learner: "rloo" as const, rule: () => rlooRule },
    { name: "GRPO without std", learner: "grpo" as const, rule: () => grpoRule(false, "sequence") },
    { name: "Dr. GRPO", learner: "dr-grpo" as const, rule: () => drGrpoRule },
  ];
  const configs: KlConfig[] = [cfg("k1", "reward"), cfg("k3", "loss"), cfg("k2", "loss"), cfg("k3", "reward")];
  it.each(cases)("$name, every KL placement", ({ learner, rule }) => {
    const m = modelAt("log-linear");
    const rng = Rng.seeded(7).split(learner);
    for (const kl of configs) {
      const rl = rule();
      // a baseline learnt from an earlier batch: the update stays unbiased
      rl.observe?.(new Float64Array([0.4, 0.1, -0.2]));
      const exact = finiteExpectedUpdate(m, problem, reward, kl, auditFactors(learner, { samplesPerPrompt: k }, 1)!);
      const M = 1500;
      const dirs = [exact, Float64Array.from({ length: m.size }, (_, i) => (i % 2 ? 1 : -1))];
      const sums = dirs.map(() => ({ s: 0, ss: 0 }));
      for (let b = 0; b < M; b++) {
        const u = sampledUpdate(m, env, { samplesPerPrompt: k, promptsPerStep: 2, kl, rule: rl }, rng);
        dirs.forEach((d, j) => {
          let p = 0;
          for (let i = 0; i < d.length; i++) p += d[i] * u[i];
          sums[j].s += p;
          sums[j].ss += p * p;
        });
      }
      dirs.forEach((d, j) => {
        let target = 0;
        for (let i = 0; i < d.length; i++) target += d[i] * exact[i];
        const mean = sums[j].s / M;
        const sd = Math.sqrt((sums[j].ss / M - mean * mean) / (M - 1));
        expect(Math.abs(mean - target)).toBeLessThan(2.576 * sd);
      });
    }
  });
});
