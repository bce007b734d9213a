// The layers, checked on the resolved module graph (static imports, `require`, `import()`, sources and tests):
//   core ← preference, text ← offline, online, practical, testbeds, report ← bench, user-data ← apps, examples
// A module may import its own package and lower layers only; siblings on one layer do not import each other, with
// one exception: the learners' tests (never their sources) import @gsh/testbeds, to check learners against a truth.
// Workspace packages resolve to their sources through the "@gsh/source" export condition.
const layers = [
  ["core"],
  ["preference", "text"],
  ["offline", "online", "practical", "testbeds"],
  ["bench", "user-data"],
];
// Learners see a problem, data and a counted oracle; the truth lives in @gsh/testbeds, which their tests may import.
const learners = ["offline", "online", "practical"];
// A target is a package's files when its import resolves, or the bare "@gsh/<name>" specifier when it does not
// (pnpm links only declared dependencies, so an undeclared upward import fails to resolve and is caught by name).
const pkg = (names) => `^packages/(${names.join("|")})/|^@gsh/(${names.join("|")})(/|$)`;
const target = (names) => ({ path: pkg(names) });

const forbidden = [];
layers.forEach((layer, i) => {
  const higher = layers.slice(i + 1).flat();
  for (const name of layer) {
    const siblings = layer.filter((n) => n !== name);
    forbidden.push({
      name: `${name}-upward`,
      comment: `packages/${name} is layer ${i}: it may not import a higher layer or an app`,
      severity: "error",
      from: { path: `^packages/${name}/` },
      to: { path: higher.length ? `${pkg(higher)}|^apps/|^examples/|^@gsh/cli(/|$)` : "^apps/|^examples/" },
    });
    const testSiblings = learners.includes(name) ? siblings.filter((n) => n !== "testbeds") : siblings;
    if (siblings.length)
      forbidden.push({
        name: `${name}-sibling`,
        comment: `packages/${name} may not import a sibling on its layer (${siblings.join(", ")})`,
        severity: "error",
        from: { path: `^packages/${name}/`, pathNot: `^packages/${name}/(test|bench)/` },
        to: target(siblings),
      });
    if (testSiblings.length)
      forbidden.push({
        name: `${name}-test-sibling`,
        comment: `packages/${name}'s tests and benchmarks may not import a sibling on its layer (${testSiblings.join(", ")})`,
        severity: "error",
        from: { path: `^packages/${name}/(test|bench)/` },
        to: target(testSiblings),
      });
  }
});
forbidden.push({
  name: "learners-never-see-truth",
  comment: "learners (and what they see) build no testbed and read no truth: only their tests import @gsh/testbeds",
  severity: "error",
  from: { path: `^packages/(${[...learners, "preference"].join("|")})/src/` },
  to: target(["testbeds"]),
});
forbidden.push({
  name: "no-circular",
  comment: "no import cycles inside the workspace sources, type-only ones included",
  severity: "error",
  from: { path: "^(packages|apps)/[^/]+/src/" },
  to: { circular: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules|\\.turbo|coverage)/|\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@gsh/source", "import", "require", "node", "default"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
    combinedDependencies: false,
  },
};
