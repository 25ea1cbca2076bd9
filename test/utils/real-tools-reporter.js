// Under REQUIRE_REAL_TOOLS=1 (CI), a skipped test is a failure: every suite must really run.
module.exports = class RealToolsReporter {
  onRunComplete(_contexts, results) {
    this.error = undefined;
    if (process.env.REQUIRE_REAL_TOOLS !== '1') return;
    const skipped = results.numPendingTests + results.numTodoTests;
    if (skipped > 0) {
      this.error = new Error(
        `REQUIRE_REAL_TOOLS=1: ${skipped} test(s) were skipped; CI must run them all`,
      );
      console.error(this.error.message);
    }
  }

  getLastError() {
    return this.error;
  }
};
