// The built-in algorithms, one module per algorithm package.
export { offlineAlgorithms } from "./offline-gshf";
export { onlineAlgorithms } from "./online-gshf";
export { practicalAlgorithms } from "./practical";
