import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// Shutdown as an operator sees it: a real process on the built package, real signals.
const root = join(__dirname, '..', '..');

interface Worker {
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves once the output matches. */
  printed(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(): Worker {
  const child = spawn(process.execPath, [join(root, 'test/fixtures/shutdown-wait.mjs')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  const waiting: Array<() => void> = [];
  const take = (chunk: Buffer) => {
    out += chunk;
    for (const check of waiting.slice()) check();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    printed: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (!match) return;
          waiting.splice(waiting.indexOf(check), 1);
          resolve(match[1] ?? match[0]);
        };
        waiting.push(check);
        check();
        void exited.then(() =>
          reject(new Error(`exited without printing ${pattern}; it printed:\n${out}`)),
        );
      }),
  };
}

describe.each(['SIGINT', 'SIGTERM'] as const)(
  'a worker waiting for its final scrape, stopped by %s',
  (signal) => {
    let worker: Worker;
    afterEach(() => worker.child.kill('SIGKILL'));

    it('says it waits, for how long and for which URL', async () => {
      worker = startWorker();
      const url = await worker.printed(/^SYSTEM=(\S+)$/m);
      worker.child.kill(signal);
      const line = await worker.printed(/^.*Waiting up to.*$/m);
      expect(line).toContain(
        `Waiting up to 60 s for a final scrape of ${url}/metrics before closing ` +
          '(system.shutdownScrapeWindowMs; Ctrl+C or another SIGINT/SIGTERM exits at once)',
      );
      // The wait ends with the scrape it waited for, and the process ends by the signal.
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect(await worker.exited).toEqual({ code: null, signal });
    }, 30_000);

    it(`exits at once on a second ${signal}, without waiting out the window`, async () => {
      worker = startWorker();
      await worker.printed(/^SYSTEM=(\S+)$/m);
      worker.child.kill(signal);
      await worker.printed(/Waiting up to 60 s/);
      worker.child.kill(signal);
      // The window is 60 s; this test's own timeout (20 s) fails it if the wait goes on.
      expect(await worker.exited).toEqual({ code: null, signal });
      expect(worker.output()).toContain(
        `${signal} while waiting for the final scrape: exiting now`,
      );
    }, 20_000);
  },
);
