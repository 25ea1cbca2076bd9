const { readFileSync, rmSync } = require('node:fs');

// Ends every run with the suites skipped for a missing tool and how to install it: jest itself
// prints nothing of a suite whose tests were all skipped. Under REQUIRE_REAL_TOOLS=1 (CI), any
// skipped test is a failure: every suite must really run.
module.exports = class RealToolsReporter {
  onRunStart() {
    rmSync(process.env.REAL_TOOLS_SKIP_LOG, { force: true });
  }

  onRunComplete(_contexts, results) {
    this.error = undefined;
    const log = process.env.REAL_TOOLS_SKIP_LOG;
    const suitesByReason = new Map();
    try {
      for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
        const { reason, suite } = JSON.parse(line);
        suitesByReason.set(reason, (suitesByReason.get(reason) ?? new Set()).add(suite));
      }
    } catch {
      // No file: nothing was skipped for a missing tool.
    }
    rmSync(log, { force: true });
    if (suitesByReason.size > 0) {
      const lines = [...suitesByReason].map(
        ([reason, suites]) => `  ${reason}; skipped: ${[...suites].sort().join(', ')}`,
      );
      console.warn(`\nSKIPPED or NOT RUN for something missing:\n${lines.sort().join('\n')}\n`);
    }
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
