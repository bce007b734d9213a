// The optimiser, schedule and clipping shared by every gradient-trained learner (TF.js-free; the TF.js twin of
// AdamW is in "@gsh/practical/neural").
export { type DecayShape, type Schedule, learningRateAt, warmupStepsFor } from "./schedule";
export { clipByGlobalNorm, clipScale } from "./clipping";
export { AdamW } from "./adamw";
export { optimizerParams, type OptimizerSettings, DEFAULT_OPTIMIZER, scheduleFor } from "./optimizer-params";
