import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * The path of a real tool the tests need (promtool, prometheus, ...). Without it the suite is
 * skipped with a printed reason (here, and again in the run's summary, since jest prints nothing
 * of a suite whose tests were all skipped), except under REQUIRE_REAL_TOOLS=1 (set by .ci/run),
 * where a missing tool fails the run.
 */
export function realTool(name: string, install: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    return unavailable(`${name} not found on PATH (install it with: ${install})`);
  }
}

/**
 * What a suite calls when something it needs from outside cannot be had (`reason` says what and
 * how to get it): a skip, printed and listed in the summary, or under REQUIRE_REAL_TOOLS=1 a
 * failure.
 */
export function unavailable(reason: string): undefined {
  if (process.env.REQUIRE_REAL_TOOLS === '1') {
    throw new Error(`REQUIRE_REAL_TOOLS=1 but ${reason}`);
  }
  console.warn(`SKIPPED: ${reason}`);
  recordSkip(reason, relative(process.cwd(), expect.getState().testPath ?? '(unknown suite)'));
  return undefined;
}

/**
 * What a suite calls for tests it does not declare because data that is kept outside the
 * repository is absent (`reason` says which and how to provide it): printed and listed in the
 * summary, also under REQUIRE_REAL_TOOLS=1, where it is not a failure: no tool is missing, and a
 * fresh clone cannot have such data.
 */
export function notRunWithout(reason: string): void {
  console.warn(`NOT RUN: ${reason}`);
  recordSkip(reason, relative(process.cwd(), expect.getState().testPath ?? '(unknown suite)'));
}

// The summary's reporter (real-tools-reporter.js) reads this file; jest.config.js names it.
function recordSkip(reason: string, suite: string): void {
  const log = process.env.REAL_TOOLS_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ reason, suite })}\n`);
}
