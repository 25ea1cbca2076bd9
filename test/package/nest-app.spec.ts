import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// What users run in production: a Nest 12 app (ES modules only) in a real Node process, with
// the built CommonJS package loaded by its name, which loads Nest through require(esm).
const root = join(__dirname, '..', '..');

function startApp(
  adapter: string,
  fixture = 'nest-app.mjs',
): Promise<{ child: ChildProcess; url: string; workerId: string }> {
  const child = spawn(process.execPath, [join(root, 'test/fixtures', fixture), adapter], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  let workerId = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start:\n${errors}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}:\n${errors}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('WORKER_ID=')) workerId = line.slice('WORKER_ID='.length);
      if (!line.startsWith('URL=')) return;
      clearTimeout(timer);
      resolve({ child, url: line.slice(4), workerId });
    });
  });
}

describe.each(['express', 'fastify'])('a Nest 12 app on the built package (%s)', (adapter) => {
  it('serves its custom metrics on /metrics', async () => {
    const { child, url, workerId } = await startApp(adapter);
    expect(workerId).toMatch(/^[0-9a-f]{16}$/);
    try {
      expect(await (await fetch(`${url}/orders/place`)).json()).toEqual({ ok: true });
      await fetch(`${url}/orders/place`);
      const response = await fetch(`${url}/metrics`);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await response.text()).toBe(
        '# HELP dynamo_component_orders_placed_total Orders placed\n' +
          '# TYPE dynamo_component_orders_placed_total counter\n' +
          `dynamo_component_orders_placed_total{dynamo_component="orders",dynamo_namespace="shop",worker_id="${workerId}"} 2\n`,
      );
    } finally {
      child.kill();
    }
  });

  it("serves @willsoto/nestjs-prometheus's metrics with its own on /metrics", async () => {
    const { child, url, workerId } = await startApp(adapter, 'willsoto-app.mjs');
    try {
      expect(await (await fetch(`${url}/orders/place`)).json()).toEqual({ ok: true });
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain(
        '# HELP orders_placed_total Orders\n' +
          '# TYPE orders_placed_total counter\n' +
          'orders_placed_total{channel="web"} 1\n',
      );
      expect(text).toContain(
        `dynamo_component_requests_total{dynamo_component="orders",dynamo_endpoint="place",dynamo_namespace="shop",worker_id="${workerId}"} 1\n`,
      );
      // Its own route still works, with what prom-client holds.
      expect(await (await fetch(`${url}/willsoto-metrics`)).text()).toContain(
        'orders_placed_total{channel="web"} 1\n',
      );
    } finally {
      child.kill();
    }
  });
});

describe('a worker whose start fails on the built package', () => {
  it('exits on its own: the system status server does not hold the process', async () => {
    const child = spawn(process.execPath, [join(root, 'test/fixtures/failed-start.mjs')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (out += chunk));
    const exit = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve('still running after 15 s');
      }, 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? 'killed');
      });
    });
    expect(out).toMatch(/^PORT=\d+\nFAILED database unreachable\n$/);
    expect(exit).toBe(0);
  }, 30_000);
});
