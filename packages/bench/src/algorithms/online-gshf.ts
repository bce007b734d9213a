export { onlineAlgorithms } from "@gsh/online";
