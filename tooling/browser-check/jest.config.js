module.exports = { ...require("@gsh/jest-preset"), displayName: "@gsh/browser-check", testEnvironmentOptions: {} };
