// Offline GSHF's definition (parameters, defaults, refusals) lives with the algorithm in @gsh/offline.
export { offlineAlgorithms } from "@gsh/offline";
