import type * as tfType from "@tensorflow/tfjs";
import type { Rng } from "@gsh/core";

/**
 * y = x·W + b with a hand-written gradient that transposes explicitly. TF.js autodiff of matMul uses transposed
 * operands, which the wasm backend runs 15–20× slower (measured: an MLP step 101 ms → 17 ms with this layer).
 */
export function makeDense(tf: typeof tfType) {
  const f = (...args: unknown[]) => {
    const [x, W, b, save] = args as [tfType.Tensor2D, tfType.Tensor2D, tfType.Tensor1D, tfType.GradSaveFunc];
    const value = tf.add(tf.matMul(x, W), b);
    save([x, W]); // keep the inputs alive for the backward pass
    const gradFunc = (dy: tfType.Tensor, saved: tfType.Tensor[]) => {
      const [xs, Ws] = saved as [tfType.Tensor2D, tfType.Tensor2D];
      const d = dy as tfType.Tensor2D;
      // The bias gradient Σ_rows dy as a 1×n·n×o product: an axis-0 tf.sum is strided and slow on wasm (measured:
      // ~20% of a sequence DPO step at 16k rows).
      const ones = tf.ones([1, d.shape[0]]) as tfType.Tensor2D;
      return [
        tf.matMul(d, tf.transpose(Ws)),
        tf.matMul(tf.transpose(xs), d),
        tf.reshape(tf.matMul(ones, d), [d.shape[1]]),
      ];
    };
    return { value, gradFunc };
  };
  return tf.customGrad(f) as unknown as (x: tfType.Tensor2D, W: tfType.Variable, b: tfType.Variable) => tfType.Tensor2D;
}

/** An MLP's variables: He-initialized hidden layers from our own seeded stream, and a zero last layer (so the model starts at π0). */
export function mlpVariables(
  tf: typeof tfType,
  sizes: readonly number[],
  rng: Rng,
): { W: tfType.Variable[]; b: tfType.Variable[] } {
  const W: tfType.Variable[] = [];
  const b: tfType.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l], sizes[l + 1]];
    const last = l + 2 === sizes.length;
    const scale = last ? 0 : Math.sqrt(2 / i);
    const w = new Float32Array(i * o);
    if (!last) for (let k = 0; k < w.length; k++) w[k] = scale * rng.normal();
    W.push(tf.variable(tf.tensor2d(w, [i, o])));
    b.push(tf.variable(tf.zeros([o])));
  }
  return { W, b };
}

/**
 * The first layer on a constant input whose transpose the caller already has (built in JS from one-hot codes):
 * its weight gradient is xᵀ·dy without a transpose kernel (the largest one of a sequence DPO step on wasm), and no
 * gradient flows to the input.
 */
export function makeInputDense(tf: typeof tfType) {
  const f = (...args: unknown[]) => {
    const [x, xT, W, b, save] = args as [
      tfType.Tensor2D,
      tfType.Tensor2D,
      tfType.Tensor2D,
      tfType.Tensor1D,
      tfType.GradSaveFunc,
    ];
    const value = tf.add(tf.matMul(x, W), b);
    save([x, xT]);
    const gradFunc = (dy: tfType.Tensor, saved: tfType.Tensor[]) => {
      const [xs, xsT] = saved as [tfType.Tensor2D, tfType.Tensor2D];
      const d = dy as tfType.Tensor2D;
      const ones = tf.ones([1, d.shape[0]]) as tfType.Tensor2D;
      return [tf.zerosLike(xs), tf.zerosLike(xsT), tf.matMul(xsT, d), tf.reshape(tf.matMul(ones, d), [d.shape[1]])];
    };
    return { value, gradFunc };
  };
  return tf.customGrad(f) as unknown as (
    x: tfType.Tensor2D,
    xT: tfType.Tensor2D,
    W: tfType.Variable,
    b: tfType.Variable,
  ) => tfType.Tensor2D;
}

export function mlpForward(
  tf: typeof tfType,
  dense: ReturnType<typeof makeDense>,
  vars: { W: tfType.Variable[]; b: tfType.Variable[] },
  x: tfType.Tensor2D,
  input?: { readonly xT: tfType.Tensor2D; readonly dense: ReturnType<typeof makeInputDense> },
): tfType.Tensor2D {
  let h = x;
  for (let l = 0; l < vars.W.length; l++) {
    h = l === 0 && input ? input.dense(h, input.xT, vars.W[0], vars.b[0]) : dense(h, vars.W[l], vars.b[l]);
    if (l + 1 < vars.W.length) h = tf.relu(h);
  }
  return h;
}
