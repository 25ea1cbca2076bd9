import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXCLUDED,
  outcomesByTest,
  prepareFastifySuite,
  runSuite,
  type FastifySuite,
  type SuiteRun,
} from '../utils/fastify-suite';
import { unavailable } from '../utils/real-tools';

// Fastify's own test suite (every file its npm package ships, but one: see EXCLUDED) run twice,
// as shipped and with every HTTP(S) server it creates building its objects with the module's
// counting classes and tracking every response, must give the same result for every test.

const PRELOAD = join(__dirname, '..', 'fixtures', 'fastify-suite', 'count-every-server.cjs');
const BUILT = join(__dirname, '..', '..', 'dist', 'cjs', 'http', 'node-http-hooks.js');

let suite: FastifySuite | undefined;
try {
  suite = prepareFastifySuite();
} catch (error) {
  suite = unavailable(
    `Fastify's test suite needs its test dependencies from the npm registry: ${(error as Error).message}`,
  );
}

/** The tests whose outcomes differ between two runs, with both. */
function differences(without: SuiteRun, counting: SuiteRun): string[] {
  const [a, b] = [outcomesByTest(without.outcomes), outcomesByTest(counting.outcomes)];
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .filter((key) => JSON.stringify(a.get(key)) !== JSON.stringify(b.get(key)))
    .map(
      (key) =>
        `${key}: without ${JSON.stringify(a.get(key))}, counting ${JSON.stringify(b.get(key))}`,
    );
}

(suite ? describe : describe.skip)("Fastify's own test suite", () => {
  it(
    'gives every test the same result with every server counting as without',
    async () => {
      if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
      const { files } = suite!;
      // Both at once, to keep the run short.
      let [without, counting] = await Promise.all([
        runSuite(suite!, files, undefined),
        runSuite(suite!, files, PRELOAD),
      ]);
      let differing = differences(without, counting);
      if (differing.length > 0) {
        // Timing-sensitive tests can flake under load: the files that differ run again, one run
        // at a time. A difference the module makes stays.
        const again = [...new Set(differing.map((line) => line.split(' › ')[0]))];
        console.warn(
          `Fastify suite: ${again.length} file(s) differed, running them again:\n${differing.join('\n')}`,
        );
        const rerun = (run: SuiteRun, next: SuiteRun) => ({
          outcomes: [...run.outcomes.filter((o) => !again.includes(o.file)), ...next.outcomes],
          log: run.log + next.log,
        });
        without = rerun(without, await runSuite(suite!, again, undefined));
        counting = rerun(counting, await runSuite(suite!, again, PRELOAD));
        differing = differences(without, counting);
      }
      expect(differing).toEqual([]);

      // The counting really ran, and never failed.
      expect(counting.log).not.toContain('RECORDING_FAILED');
      expect(without.log).toBe('');
      const recorded = [...counting.log.matchAll(/^RECORDED (\d+) (\d+)$/gm)];
      const requests = recorded.reduce((sum, [, n]) => sum + Number(n), 0);
      expect(requests).toBeGreaterThan(500);
      const tally = (outcome: string) =>
        counting.outcomes.filter((o) => o.outcome === outcome).length;
      expect(counting.outcomes.length).toBeGreaterThan(2000);
      console.log(
        `Fastify ${suite!.version}'s suite: ${files.length} files, ${counting.outcomes.length} tests ` +
          `(pass ${tally('pass')}, fail ${tally('fail')}, skip ${tally('skip')}, todo ${tally('todo')}) ` +
          `alike with and without counting; ${requests} requests recorded by ${recorded.length} ` +
          `processes; left out: ${Object.entries(EXCLUDED)
            .map(([file, why]) => `${file} (${why})`)
            .join('; ')}`,
      );
    },
    20 * 60_000,
  );
});
