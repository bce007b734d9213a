import base from "@gsh/eslint-config";

// assembly/ is AssemblyScript (compiled by asc, not tsc): decorators on functions and wasm types are not TypeScript.
export default [{ ignores: ["assembly/**"] }, ...base];
