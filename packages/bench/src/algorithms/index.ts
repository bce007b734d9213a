// The built-in algorithms, one module per algorithm package; the neural ones apart (they need TF.js, an optional peer).
import { practicalAlgorithms as practicalAndNeural } from "./practical";
export { offlineAlgorithms } from "./offline-gshf";
export { onlineAlgorithms } from "./online-gshf";
export const practicalAlgorithms = practicalAndNeural.filter((a) => !a.name.startsWith("neural-"));
export const neuralAlgorithms = practicalAndNeural.filter((a) => a.name.startsWith("neural-"));
