module.exports = { ...require("@gsh/jest-preset"), displayName: "@gsh/report" };
