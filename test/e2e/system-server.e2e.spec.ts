import { createServer, type AddressInfo } from 'node:net';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Query,
  type INestApplication,
  type OnModuleDestroy,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DistributedRuntime,
  DynamoComponent,
  DynamoEndpoint,
  DynamoMetricsModule,
  SystemHealth,
  SystemStatusServer,
  type DynamoMetricsModuleOptions,
} from '../../lib';
import { useEnv } from '../utils/env';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { oneShot } from '../utils/one-shot';
import { sampleValue } from '../utils/scrape';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Releases the `/worker/hold` requests waiting. */
let release: () => void = () => {};
let held = new Promise<void>((resolve) => (release = resolve));

@Controller('worker')
@DynamoComponent('worker')
class WorkerController {
  @Get('generate')
  @DynamoEndpoint()
  generate(): string {
    return 'ok';
  }

  @Get('embed')
  @DynamoEndpoint()
  embed(): string {
    return 'ok';
  }

  @Get('hold')
  @DynamoEndpoint()
  async hold(@Query('x') _x?: string): Promise<string> {
    await held;
    return 'released';
  }
}

function appModule(options: DynamoMetricsModuleOptions) {
  @Module({
    imports: [DynamoMetricsModule.forRoot({ includeRegistries: [], ...options })],
    controllers: [WorkerController],
  })
  class AppModule {}
  return AppModule;
}

const call = oneShot;

const UPTIME = /"uptime":\{"nanos":\d{1,9},"secs":\d+\}\}$/;
const withoutUptime = (body: string) => body.replace(/,"uptime":\{[^}]*\}\}$/, '}');

describe.each(ADAPTERS)('system status server on %s', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    release();
    await app?.close();
    app = undefined;
    held = new Promise<void>((resolve) => (release = resolve));
  });

  const systemPort = () => app!.app.get(SystemStatusServer).port!;

  it('is off by default (DYN_SYSTEM_PORT -1)', async () => {
    app = await startApp(appModule({}), adapter);
    expect(app.app.get(SystemStatusServer).port).toBeUndefined();
    expect(app.app.get(SystemStatusServer).url).toBeUndefined();
  });

  it("serves Dynamo's routes and bodies on its own port", async () => {
    app = await startApp(
      appModule({ system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 } }),
      adapter,
    );
    const port = systemPort();
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(Number(new URL(app.url).port));
    expect(app.app.get(SystemStatusServer).url).toBe(`http://127.0.0.1:${port}`);

    const health = await call(port, '/health');
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('application/json');
    expect(withoutUptime(health.body)).toBe(
      '{"endpoints":{"embed":"ready","generate":"ready","hold":"ready"},"status":"ready"}',
    );
    expect(health.body).toMatch(UPTIME);
    const live = await call(port, '/live?probe=1');
    expect(live.status).toBe(200);
    expect(withoutUptime(live.body)).toBe(withoutUptime(health.body));

    await app.get('/worker/generate');
    const metrics = await call(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const labels = {
      dynamo_namespace: 'dynamo',
      dynamo_component: 'worker',
      dynamo_endpoint: 'generate',
    };
    expect(sampleValue(metrics.body, 'dynamo_component_requests_total', labels)).toBe(1);
    // The system port's scrape is not a request to an endpoint.
    expect(
      sampleValue((await call(port, '/metrics')).body, 'dynamo_component_requests_total', labels),
    ).toBe(1);
    const open = await call(port, '/metrics', {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(open.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(open.body.endsWith('# EOF\n')).toBe(true);

    expect(await call(port, '/nope')).toMatchObject({ status: 404, body: 'Route not found' });
    expect(await call(port, '/')).toMatchObject({ status: 404, body: 'Route not found' });
    expect(await call(port, '/metrics/')).toMatchObject({ status: 404, body: 'Route not found' });
    const post = await call(port, '/metrics', { method: 'POST' });
    expect(post).toMatchObject({ status: 405, body: 'Method Not Allowed' });
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(await call(port, '/health', { method: 'DELETE' })).toMatchObject({ status: 405 });
    const head = await call(port, '/health', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(50);
  });

  describe("with Dynamo's environment variables", () => {
    useEnv({
      DYN_SYSTEM_PORT: '0',
      DYN_SYSTEM_HOST: '127.0.0.1',
      DYN_SYSTEM_HEALTH_PATH: '/custom/health',
      DYN_SYSTEM_LIVE_PATH: '/custom/live',
      DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate","warmup"]',
    });

    it('takes the port, paths and required endpoints from them, and the app sets the rest', async () => {
      app = await startApp(appModule({ system: { shutdownScrapeWindowMs: 0 } }), adapter);
      const port = systemPort();
      expect(await call(port, '/health')).toMatchObject({ status: 404, body: 'Route not found' });
      const before = await call(port, '/custom/health');
      expect(before.status).toBe(503);
      // `warmup` is no endpoint of the app: it is notready until the app says otherwise.
      expect(withoutUptime(before.body)).toBe(
        '{"endpoints":{"embed":"ready","generate":"ready","hold":"ready","warmup":"notready"},"status":"notready"}',
      );
      const health = app.app.get(SystemHealth);
      health.setEndpointStatus('warmup', 'ready');
      expect((await call(port, '/custom/live')).status).toBe(200);
      health.setEndpointStatus('generate', 'notready');
      const after = await call(port, '/custom/health');
      expect(after.status).toBe(503);
      expect(withoutUptime(after.body)).toBe(
        '{"endpoints":{"embed":"ready","generate":"notready","hold":"ready","warmup":"ready"},"status":"notready"}',
      );
    });

    it('lets options win over them', async () => {
      app = await startApp(
        appModule({
          system: { healthPath: '/h', useEndpointHealthStatus: [], shutdownScrapeWindowMs: 0 },
        }),
        adapter,
      );
      const health = await call(systemPort(), '/h');
      expect(health.status).toBe(200);
      expect(withoutUptime(health.body)).toBe(
        '{"endpoints":{"embed":"ready","generate":"ready","hold":"ready"},"status":"ready"}',
      );
    });
  });

  it('reads the starting status until the app listens, and keeps what the app set itself', async () => {
    const { Test } = await import('@nestjs/testing');
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const testing = await Test.createTestingModule({
      imports: [appModule({ system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 } })],
    }).compile();
    const nest: INestApplication = testing.createNestApplication(
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
      { logger: false },
    );
    app = {
      app: nest,
      url: '',
      get: () => Promise.reject(new Error('unused')),
      close: () => nest.close(),
    };
    await nest.init();
    const port = systemPort();
    const starting = await call(port, '/health');
    expect(starting.status).toBe(503);
    expect(withoutUptime(starting.body)).toBe(
      '{"endpoints":{"embed":"notready","generate":"notready","hold":"notready"},"status":"notready"}',
    );
    nest.get(SystemHealth).setEndpointStatus('embed', 'notready');
    await nest.listen(0, '127.0.0.1');
    const started = await call(port, '/health');
    expect(started.status).toBe(200);
    expect(withoutUptime(started.body)).toBe(
      '{"endpoints":{"embed":"notready","generate":"ready","hold":"ready"},"status":"ready"}',
    );
  });

  it('turns notready when shutdown begins, serves a last scrape, then closes', async () => {
    app = await startApp(
      appModule({ system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 60_000 } }),
      adapter,
    );
    const port = systemPort();
    const running = app;
    app = undefined;
    let closed = false;
    const closing = running.close().then(() => (closed = true));
    // Probes see the drain at once; the server stays up for the scrape window.
    let health = await call(port, '/health');
    for (let i = 0; i < 100 && health.status === 200; i++) {
      await sleep(10);
      health = await call(port, '/health');
    }
    expect(health.status).toBe(503);
    expect(withoutUptime(health.body)).toBe(
      '{"endpoints":{"embed":"notready","generate":"notready","hold":"notready"},"status":"notready"}',
    );
    await sleep(50);
    expect(closed).toBe(false);
    // The last scrape ends the window long before its 60 s.
    expect((await call(port, '/metrics')).status).toBe(200);
    await closing;
    await expect(call(port, '/health')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('counts a request that was in flight when shutdown began in the last scrape', async () => {
    app = await startApp(
      appModule({ system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 60_000 } }),
      adapter,
    );
    const port = systemPort();
    // Its own connection: a kept-alive one would hold the app's server open after the response.
    const pending = call(Number(new URL(app.url).port), '/worker/hold');
    const runtime = app.app.get(DistributedRuntime);
    const labels = {
      dynamo_namespace: 'dynamo',
      dynamo_component: 'worker',
      dynamo_endpoint: 'hold',
    };
    for (let i = 0; i < 200; i++) {
      if (
        sampleValue(
          await runtime.prometheusExpfmt(),
          'dynamo_component_inflight_requests',
          labels,
        ) === 1
      )
        break;
      await sleep(5);
    }
    const running = app;
    app = undefined;
    const closing = running.close();
    await sleep(20);
    release();
    expect((await pending).body).toBe('released');
    for (let i = 0; i < 100; i++) {
      const now = await runtime.prometheusExpfmt();
      if (sampleValue(now, 'dynamo_component_inflight_requests', labels) === 0) break;
      await sleep(10);
    }
    // The scrape that ends the window has the request, finished.
    const text = (await call(port, '/metrics')).body;
    expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
    await closing;
  });
  it("reads notready as soon as the app's close begins, before other modules' destroy hooks", async () => {
    let destroying = false;
    @Injectable()
    class SlowDrain implements OnModuleDestroy {
      async onModuleDestroy() {
        destroying = true;
        await sleep(300); // a queue draining, a pool closing
      }
    }
    @Module({
      imports: [
        DynamoMetricsModule.forRoot({
          includeRegistries: [],
          system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 },
        }),
      ],
      controllers: [WorkerController],
      providers: [SlowDrain],
    })
    class DrainModule {}
    app = await startApp(DrainModule, adapter);
    const port = systemPort();
    expect((await call(port, '/health')).status).toBe(200);
    const running = app;
    app = undefined;
    const closing = running.close();
    while (!destroying) await sleep(5);
    const during = await call(port, '/health');
    await closing;
    expect(during.status).toBe(503);
  });

  it('closes when the app cannot listen on its own port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const { Test } = await import('@nestjs/testing');
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const testing = await Test.createTestingModule({
      imports: [
        appModule({
          system: {
            port: 0,
            host: '127.0.0.1',
            startingHealthStatus: 'ready',
            shutdownScrapeWindowMs: 0,
          },
        }),
      ],
    }).compile();
    const nest: INestApplication = testing.createNestApplication(
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
      { logger: false },
    );
    try {
      await nest.init();
      const port = nest.get(SystemStatusServer).port!;
      expect((await call(port, '/health')).status).toBe(200);
      await expect(nest.listen(taken, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
      await expect(call(port, '/health')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await nest.close();
      blocker.close();
    }
  });
});

describe('system status server without an HTTP app', () => {
  it('serves metrics and health for an application context', async () => {
    @Injectable()
    class Worker {}
    @Module({
      imports: [
        DynamoMetricsModule.forRoot({
          includeRegistries: [],
          system: {
            port: 0,
            host: '127.0.0.1',
            startingHealthStatus: 'notready',
            shutdownScrapeWindowMs: 0,
          },
        }),
      ],
      providers: [Worker],
    })
    class WorkerModule {}
    const context = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    try {
      const port = context.get(SystemStatusServer).port!;
      const health = await call(port, '/health');
      expect(health.status).toBe(200);
      expect(withoutUptime(health.body)).toBe('{"endpoints":{},"status":"ready"}');
      const metrics = await call(port, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('dynamo_component_uptime_seconds');
    } finally {
      await context.close();
    }
  });

  it('fails to start with the host and port when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    @Module({
      imports: [
        DynamoMetricsModule.forRoot({ includeRegistries: [], system: { port, host: '127.0.0.1' } }),
      ],
    })
    class TakenModule {}
    try {
      await expect(
        NestFactory.createApplicationContext(TakenModule, { logger: false, abortOnError: false }),
      ).rejects.toThrow(`The system status server could not listen on 127.0.0.1:${port}: `);
    } finally {
      blocker.close();
    }
  });
});
