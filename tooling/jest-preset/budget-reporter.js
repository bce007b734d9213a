// Every test file has a wall-clock budget so that CI stays within its 15 minutes. A file over budget is
// reported loudly; large statistical studies belong in the benchmarks, not in the test suite.
class BudgetReporter {
  constructor(_globalConfig, options) {
    this.budgetMs = 1000 * ((options && options.budgetSeconds) || 30);
    this.over = [];
  }
  onTestResult(test, result) {
    const ms = result.perfStats.end - result.perfStats.start;
    if (ms > this.budgetMs) this.over.push(`${test.path} took ${(ms / 1000).toFixed(1)} s`);
  }
  onRunComplete() {
    for (const line of this.over) {
      process.stderr.write(`test budget exceeded (${this.budgetMs / 1000} s): ${line}\n`);
    }
  }
}
module.exports = BudgetReporter;
