import { execFileSync } from 'node:child_process';

/**
 * The path of a real tool the tests need (promtool, prometheus, ...). Without it the suite is
 * skipped with a printed reason, except under REQUIRE_REAL_TOOLS=1 (set by .ci/run), where a
 * missing tool fails the run.
 */
export function realTool(name: string, install: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    const reason = `${name} not found on PATH (install it with: ${install})`;
    if (process.env.REQUIRE_REAL_TOOLS === '1') {
      throw new Error(`REQUIRE_REAL_TOOLS=1 but ${reason}`);
    }
    console.warn(`SKIPPED: ${reason}`);
    return undefined;
  }
}
