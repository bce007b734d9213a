import type * as tfType from "@tensorflow/tfjs";

/**
 * Reads a tensor's values and frees it. Never call `dataSync()` inside `tf.tidy` and return the array: tidy walks
 * its return value looking for tensors, element by element (measured: 2.7 M floats, 3 s instead of a few ms).
 */
export function readAndDispose(t: tfType.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/**
 * log p with log 0 sent to −1e30 instead of −∞: the models add log π0 to their logits and pick entries by
 * multiplying with one-hot rows, where −∞·0 is NaN (π0 has zeros: the text testbed's </s> is absorbing). In f32,
 * exp(−1e30 − max) is exactly 0, so the policy is unchanged.
 */
export const finiteLog = (p: number): number => (p > 0 ? Math.log(p) : -1e30);
