module.exports = { ...require("@gsh/jest-preset"), displayName: "playground", testTimeout: 120_000 };
