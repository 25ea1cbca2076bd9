import { jest } from '@jest/globals';
import { Logger, Module, type INestApplication } from '@nestjs/common';
import { Counter as PromCounter, register } from 'prom-client';
import {
  defaultWorkerId,
  DistributedRuntime,
  DynamoMetricsModule,
  type DynamoMetricsModuleOptions,
} from '../../lib';
import { InventoryModule, InventoryService, ShelfService } from '../fixtures/nest/inventory.module';
import { spawnSync } from 'node:child_process';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { realTool } from '../utils/real-tools';

const promtool = realTool('promtool', 'apt-get install prometheus');

function appModule(options: DynamoMetricsModuleOptions) {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [], ...options }),
      InventoryModule,
    ],
  })
  class AppModule {}
  return AppModule;
}

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

describe.each(ADAPTERS)('the scrape route on %s', (adapter) => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const start = (
    options: DynamoMetricsModuleOptions = {},
    configure?: (app: INestApplication) => void,
  ) => startApp(appModule(options), adapter, configure).then((app) => (running = app));

  it('serves the runtime scrape at /metrics, with metrics of injected levels', async () => {
    const app = await start();
    expect((await app.get('/items/add/3')).text).toBe('{"stock":3}');
    await app.get('/items/add/2');
    const scrape = await app.get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toBe(TEXT);
    // worker_id: the process's id, by default.
    const id = defaultWorkerId();
    expect(app.app.get(DistributedRuntime).workerId).toBe(id);
    expect(scrape.text).toBe(
      [
        '# HELP dynamo_component_items_added_total Items added',
        '# TYPE dynamo_component_items_added_total counter',
        `dynamo_component_items_added_total{dynamo_component="inventory",dynamo_namespace="dynamo",worker_id="${id}"} 5`,
        '# HELP dynamo_component_stock_level Items in stock',
        '# TYPE dynamo_component_stock_level gauge',
        `dynamo_component_stock_level{dynamo_namespace="dynamo",worker_id="${id}"} 5`,
        '',
      ].join('\n'),
    );
  });

  (promtool ? it : it.skip)(
    'serves a scrape that promtool accepts, with default metrics and prom-client',
    async () => {
      const app = await start({
        includeRegistries: undefined,
        defaultMetrics: true,
        uptime: true,
        workerId: 7,
      });
      await app.get('/items/add/2');
      const text = (await app.get('/metrics')).text;
      expect(text).toContain('dynamo_component_uptime_seconds{worker_id="7"} ');
      expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // Only lint notes on prom-client's own default metrics are acceptable, never a parse error.
      expect(check.stdout + check.stderr).not.toMatch(/error|parsing/i);
      expect(check.stdout + check.stderr).not.toContain('dynamo_component');
    },
  );

  it('answers Prometheus with OpenMetrics when its Accept header asks for it', async () => {
    const app = await start();
    await app.get('/items/add/1');
    const scrape = await app.get('/metrics', {
      accept:
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    });
    expect(scrape.type).toBe(OPENMETRICS);
    expect(scrape.text).toContain('# TYPE dynamo_component_items_added counter\n');
    expect(scrape.text.endsWith('# EOF\n')).toBe(true);
    expect((await app.get('/metrics', { accept: 'text/plain' })).type).toBe(TEXT);
  });

  it('injects the levels the decorators name, one runtime per app', async () => {
    const app = await start({ namespace: 'shop' });
    const runtime = app.app.get(DistributedRuntime);
    const inventory = app.app.get(InventoryService);
    expect(inventory.component).toBe(runtime.namespace('shop').component('inventory'));
    expect(inventory.namespace).toBe(runtime.namespace('shop'));
    expect(inventory.restock).toBe(
      runtime.namespace('shop').component('inventory').endpoint('restock'),
    );
    expect(app.app.get(ShelfService).component).toBe(runtime.namespace('shop').component('shelf'));

    const other = await startApp(appModule({ namespace: 'shop' }), adapter);
    try {
      expect(other.app.get(DistributedRuntime)).not.toBe(runtime);
      await app.get('/items/add/4');
      // Two runtimes of one process: the same worker_id.
      const id = defaultWorkerId();
      expect((await other.get('/metrics')).text).toContain(
        `dynamo_component_stock_level{dynamo_namespace="shop",worker_id="${id}"} 0\n`,
      );
      expect((await app.get('/metrics')).text).toContain(
        `dynamo_component_stock_level{dynamo_namespace="shop",worker_id="${id}"} 4\n`,
      );
    } finally {
      await other.close();
    }
  });

  it('mounts at `path`, not under the global prefix unless asked, and not at all with false', async () => {
    let app = await start({ path: '/internal/scrape' }, (a) => a.setGlobalPrefix('api'));
    expect((await app.get('/internal/scrape')).status).toBe(200);
    expect((await app.get('/metrics')).status).toBe(404);
    expect((await app.get('/api/items/add/1')).status).toBe(200);
    await app.close();

    app = await start({ useGlobalPrefix: true }, (a) => a.setGlobalPrefix('api'));
    expect((await app.get('/api/metrics')).status).toBe(200);
    expect((await app.get('/metrics')).status).toBe(404);
    await app.close();

    app = await start({ path: false });
    expect((await app.get('/metrics')).status).toBe(404);
  });

  it("merges prom-client's global registry by default, and default metrics once per process", async () => {
    const counter = new PromCounter({ name: `legacy_${adapter}_total`, help: 'From prom-client' });
    try {
      counter.inc(2);
      const app = await start({ includeRegistries: undefined, defaultMetrics: true });
      const second = await startApp(
        appModule({ includeRegistries: undefined, defaultMetrics: true }),
        adapter,
      );
      try {
        const text = (await app.get('/metrics')).text;
        expect(text).toContain(`\nlegacy_${adapter}_total 2\n`);
        expect(text.match(/^# TYPE process_cpu_user_seconds_total counter$/gm)).toHaveLength(1);
        expect((await second.get('/metrics')).text).toContain(
          '# TYPE nodejs_heap_size_total_bytes gauge',
        );
      } finally {
        await second.close();
      }
      await app.close();
      running = await start({ includeRegistries: [] });
      expect((await running.get('/metrics')).text).not.toContain('legacy_');
    } finally {
      register.removeSingleMetric(`legacy_${adapter}_total`);
    }
  });

  it('answers 500 "Failed to get metrics" when rendering fails, and keeps serving', async () => {
    const app = await start();
    const runtime = app.app.get(DistributedRuntime);
    const render = runtime.prometheusExpfmtBytes;
    runtime.prometheusExpfmtBytes = () => Promise.reject(new Error('boom'));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
    const failed = await app.get('/metrics');
    expect([failed.status, failed.text]).toEqual([500, 'Failed to get metrics']);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toMatch(/^Rendering the metrics failed: Error: boom/);
    logged.mockRestore();
    runtime.prometheusExpfmtBytes = render;
    expect((await app.get('/metrics')).status).toBe(200);
    expect((await app.get('/items/add/1')).status).toBe(200);
  });
});

describe('forRootAsync', () => {
  it.each(ADAPTERS)(
    'takes its options from a factory with injected dependencies (%s)',
    async (adapter) => {
      @Module({
        providers: [{ provide: 'CONFIG', useValue: { ns: 'from_config' } }],
        exports: ['CONFIG'],
      })
      class ConfigModule {}
      @Module({
        imports: [
          DynamoMetricsModule.forRootAsync({
            imports: [ConfigModule],
            inject: ['CONFIG'],
            useFactory: (config: { ns: string }) => ({
              namespace: config.ns,
              uptime: false,
              includeRegistries: [],
            }),
          }),
          InventoryModule,
        ],
      })
      class AsyncAppModule {}
      const app = await startApp(AsyncAppModule, adapter);
      try {
        await app.get('/items/add/7');
        expect((await app.get('/metrics')).text).toContain(
          `dynamo_component_stock_level{dynamo_namespace="from_config",worker_id="${defaultWorkerId()}"} 7\n`,
        );
      } finally {
        await app.close();
      }
    },
  );
});
