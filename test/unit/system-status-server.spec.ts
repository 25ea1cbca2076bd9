import { Agent, request } from 'node:http';
import { ScrapeGate, type ScrapeGuardCall } from '../../lib/system/scrape-gate';
import { resolveSystemConfig } from '../../lib/system/system-config';
import { SystemHealth } from '../../lib/system/system-health';
import { SystemStatusServer } from '../../lib/system/system-status-server';

function makeServer(guard?: ScrapeGuardCall) {
  return new SystemStatusServer({
    config: resolveSystemConfig({ port: 0, host: '127.0.0.1' }, {}),
    health: new SystemHealth({ uptimeSeconds: () => 1 }),
    scrape: async () => Buffer.from('x 1\n'),
    gate: guard ? new ScrapeGate(undefined, true, () => {}) : undefined,
    guardOf: guard ? () => guard : undefined,
    error: () => {},
  });
}

function send(port: number, method: string, agent: Agent | false = false) {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', method, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

const settledWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

describe('SystemStatusServer', () => {
  it('ends the scrape window at a GET of /metrics on a kept-alive connection, then closes', async () => {
    const server = makeServer();
    await server.start();
    const agent = new Agent({ keepAlive: true });
    try {
      await send(server.port!, 'GET', agent); // the connection Prometheus keeps open
      const window = server.waitForScrape(60_000);
      // A HEAD delivers no metrics: the window goes on.
      expect(await send(server.port!, 'HEAD', agent)).toBe(200);
      expect(await settledWithin(window, 50)).toBe(false);
      expect(await send(server.port!, 'GET', agent)).toBe(200);
      expect(await settledWithin(window, 1000)).toBe(true);
      expect(await settledWithin(server.close(), 1000)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('closes within its grace period while a scrape still waits on the guard', async () => {
    let release!: (allowed: boolean) => void;
    const server = makeServer(() => new Promise<boolean>((resolve) => (release = resolve)));
    await server.start();
    const pending = send(server.port!, 'GET').catch((error: Error) => error.message);
    while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await settledWithin(server.close(), 3000)).toBe(true);
    expect(await pending).toBe('socket hang up');
    release(true);
  });

  it('forgets its port once closed, and starts once', async () => {
    const server = makeServer();
    await server.start();
    const port = server.port;
    await server.start();
    expect(server.port).toBe(port);
    await server.close();
    expect(server.port).toBeUndefined();
    expect(server.url).toBeUndefined();
    await expect(send(port!, 'GET')).rejects.toThrow(/ECONNREFUSED/);
  });
});
