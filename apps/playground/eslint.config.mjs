export { default } from "@gsh/eslint-config";
