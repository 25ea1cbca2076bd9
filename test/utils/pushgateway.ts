import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

/** A real Prometheus Pushgateway (Debian's `prometheus-pushgateway`) on a free loopback port, without persistence. */
export class Pushgateway {
  private constructor(
    private readonly process: ChildProcess,
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
  ) {}

  static async start(binary: string): Promise<Pushgateway> {
    const port = await freePort();
    const child = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout!.on('data', (chunk) => (log += chunk));
    child.stderr!.on('data', (chunk) => (log += chunk));
    const gateway = new Pushgateway(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await fetch(`${gateway.url}/-/ready`)).ok) return gateway;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the Pushgateway did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What Prometheus would scrape from it. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}
