import { Rng, gibbsPolicy, linearReward, optimalObjective, suboptimality, klToReference, uniformPolicy, softmaxInto, type Policy } from "@gsh/core";

/** A small exact demo: a random linear bandit, scored exactly for π0, uniform and π* at several η. */
export function exactDemoTable(seed = 0): string {
  const X = 50, A = 32, d = 8, B = 3;
  const rng = Rng.seeded(seed).split("demo/linear-bandit");
  const values = new Float64Array(X * A * d);
  for (let i = 0; i < X * A; i++) rng.unitBall(d, values.subarray(i * d, (i + 1) * d));
  const theta = rng.unitSphere(d).map((v) => B * v);
  const probs = new Float64Array(X * A);
  for (let x = 0; x < X; x++) {
    const g = rng.normals(new Float64Array(A)).map((v) => v / 0.3);
    softmaxInto(g, g);
    probs.set(g, x * A);
  }
  const pi0: Policy = { contexts: X, actions: A, probs };
  const reward = linearReward({ contexts: X, actions: A, dim: d, values }, theta);
  const lines = ["η        J(π*)     SubOpt(π0)  SubOpt(uniform)  KL(π*‖π0)"];
  for (const eta of [0.1, 0.3, 1, 3]) {
    const star = gibbsPolicy(pi0, reward, eta).policy;
    const row = [eta.toString().padEnd(6), optimalObjective(pi0, reward, eta).toFixed(4).padStart(8), suboptimality(pi0, pi0, reward, eta).toFixed(4).padStart(12),
      suboptimality(uniformPolicy(X, A), pi0, reward, eta).toFixed(4).padStart(16), klToReference(star, pi0).toFixed(4).padStart(11)];
    lines.push(row.join(" "));
  }
  return lines.join("\n");
}
