// Shared jest preset: SWC transform (type-checking is the separate `typecheck` task), workspace packages
// resolved to their TypeScript sources through the "@gsh/source" export condition, and a per-file time budget.
const path = require("node:path");

module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": [
      require.resolve("@swc/jest"),
      { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } },
    ],
  },
  testEnvironmentOptions: { customExportConditions: ["@gsh/source", "node", "node-addons"] },
  setupFilesAfterEnv: [path.join(__dirname, "either-matchers.js")],
  testTimeout: 30_000,
  // `pnpm test` runs packages two at a time with one jest worker each (JEST_MAX_WORKERS=1), so that a test file's
  // time is its own and not a share of an oversubscribed machine.
  maxWorkers: process.env.JEST_MAX_WORKERS || "50%",
  reporters: ["default", [path.join(__dirname, "budget-reporter.js"), { budgetSeconds: 30 }]],
};
