module.exports = { ...require("@gsh/jest-preset"), displayName: "@gsh/pack-check", testEnvironmentOptions: {} };
