/**
 * Global gradient-norm clipping (as PyTorch's `clip_grad_norm_`): when ‖g‖₂ over every block exceeds `maxNorm`,
 * every block is scaled by maxNorm/‖g‖₂, in place. Returns the norm before clipping (what trainers log) and the
 * factor applied. `maxNorm` = Infinity disables it.
 */
export function clipByGlobalNorm(
  blocks: readonly Float64Array[],
  maxNorm: number,
): { readonly norm: number; readonly scale: number } {
  let sq = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) sq += b[i] * b[i];
  const norm = Math.sqrt(sq);
  const scale = norm > maxNorm ? maxNorm / norm : 1;
  if (scale !== 1) for (const b of blocks) for (let i = 0; i < b.length; i++) b[i] *= scale;
  return { norm, scale };
}

/** The factor `clipByGlobalNorm` would apply to a gradient of this norm (for callers that hold the norm already). */
export const clipScale = (norm: number, maxNorm: number): number => (norm > maxNorm ? maxNorm / norm : 1);
