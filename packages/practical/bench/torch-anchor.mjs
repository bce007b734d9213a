// The speed anchor of the neural issue: one DPO training step (batch 256 pairs, S-large shapes: 20 prompts, V = 64,
// L = 32) of the Markov MLP and of the small transformer, in TF.js on the backend gsh selects, beside the same model
// and step (forward, DPO loss, backward, AdamW) in PyTorch on the CPU with one thread. PyTorch is a baseline only
// (Debian's python3-torch), never a runtime dependency: skipped with a message where it is absent.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure } from "@gsh/bench-harness";
import { Rng } from "@gsh/core";
import { SEQUENCE_SIZES, testbedS } from "@gsh/testbeds";
import {
  NeuralSequencePolicy,
  TransformerSequencePolicy,
  TfAdamW,
  globalNormClip,
  loadTf,
} from "../dist/neural/index.js";

const here = dirname(fileURLToPath(import.meta.url));

/** A python3 that imports torch: $GSH_TORCH_PYTHON, then python3 on the PATH, then Debian's /usr/bin/python3. */
function torchPython() {
  for (const py of [process.env.GSH_TORCH_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean)) {
    const r = spawnSync(py, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

export async function dpoStepAnchor() {
  const { tf, backend } = await loadTf();
  const { problem } = testbedS(0, { ...SEQUENCE_SIZES.large, eta: 0.1 });
  const rng = Rng.seeded(5);
  const n = 256;
  const xs = Array.from({ length: n }, () => rng.int(problem.prompts));
  const seq = () => Int32Array.from({ length: problem.length }, () => rng.int(problem.vocab));
  const chosen = xs.map(seq);
  const rejected = xs.map(seq);
  const refGap = tf.tensor1d(Array.from({ length: n }, () => rng.normal()));
  const rows = [];
  for (const [name, make, reps] of [
    ["Markov MLP (width 64, 2 layers)", () => new NeuralSequencePolicy(tf, problem, Rng.seeded(1)), 10],
    ["transformer (width 64, 2 layers, 4 heads)", () => new TransformerSequencePolicy(tf, problem, Rng.seeded(1)), 3],
  ]) {
    const model = make();
    const opt = new TfAdamW(tf, model.trainable, 0.01);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.sub(tf.sub(model.sequenceLogProb(xs, chosen), model.sequenceLogProb(xs, rejected)), refGap);
        return tf.mean(tf.softplus(tf.neg(tf.mul(h, 0.1))));
      }, model.trainable);
      const list = model.trainable.map((v) => grads[v.name]);
      const { scale, norm } = globalNormClip(tf, list, 1);
      opt.step(list, 1e-3, scale);
      value.dataSync();
      for (const t of [value, scale, norm, ...list]) t.dispose();
    };
    rows.push({ name, tfjs: measure(step, { reps, warmup: 1 }) });
    opt.dispose();
    model.dispose();
  }
  refGap.dispose();
  const py = torchPython();
  let torch = null;
  if (py) {
    const r = spawnSync(py, [join(here, "torch_dpo_step.py")], {
      encoding: "utf8",
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    });
    if (r.status === 0) torch = JSON.parse(r.stdout.trim().split("\n").pop());
    else console.log(`PyTorch baseline failed: ${r.stderr.trim().split("\n").pop()}`);
  } else console.log("PyTorch baseline skipped: no python3 with torch here (Debian: apt install python3-torch)");
  console.log(
    `\nOne DPO step, batch ${n} pairs on S-large shapes (20 prompts, V = 64, L = 32): median ms (TF.js ${backend} vs PyTorch ${torch ? torch.version : "—"} CPU, 1 thread)`,
  );
  for (const r of rows) {
    const t = torch?.[r.name.startsWith("Markov") ? "mlp" : "transformer"];
    console.log(
      `${r.name.padEnd(42)} TF.js ${r.tfjs.toFixed(1).padStart(8)}   PyTorch ${t ? t.toFixed(1).padStart(8) : "       —"}   ratio ${t ? (r.tfjs / t).toFixed(2) + "×" : "—"}`,
    );
  }
}
