import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

/** A real NATS server (Debian's `nats-server`) on a free loopback port. */
export class NatsServer {
  private constructor(
    private readonly process: ChildProcess,
    /** `nats://127.0.0.1:<port>` */
    readonly url: string,
  ) {}

  static async start(binary: string): Promise<NatsServer> {
    const port = await freePort();
    const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server did not start within 10 s:\n${log}`)),
        10_000,
      );
      const read = (chunk: Buffer) => {
        log += chunk;
        if (!log.includes('Server is ready')) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });
    return new NatsServer(child, `nats://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}
