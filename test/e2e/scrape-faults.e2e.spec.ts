import { Controller, Get, Module, type Type } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import {
  DistributedRuntime,
  DynamoComponent,
  DynamoEndpoint,
  DynamoMetricsModule,
} from '../../lib';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

// Callbacks and an included registry that throw or hang must cost only themselves: the app
// keeps serving, /metrics answers 200 with everything else, and each fault is logged once.

@Controller('items')
@DynamoComponent('items')
class ItemsController {
  @Get()
  @DynamoEndpoint('list')
  list() {
    return ['a'];
  }
}

/** A registry with a good metric and one whose collect throws. */
function faultyRegistry(): Registry {
  const registry = new Registry();
  new Gauge({ name: 'good_value', help: 'Good', registers: [registry] }).set(3);
  new Gauge({
    name: 'broken_value',
    help: 'Broken',
    registers: [registry],
    collect() {
      throw new Error('collect failed');
    },
  });
  return registry;
}

/** An app module whose metrics logger records into `warnings`. */
function appModule(warnings: string[]): Type<unknown> {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({
        includeRegistries: [faultyRegistry()],
        collectTimeoutMs: 50,
        logger: { warn: (message) => warnings.push(message) },
      }),
    ],
    controllers: [ItemsController],
  })
  class AppModule {}
  return AppModule;
}

const list = { dynamo_namespace: 'dynamo', dynamo_component: 'items', dynamo_endpoint: 'list' };
const brokenWarning =
  'Metric "broken_value" from a prom-client registry was left out of the scrape: collecting it failed: collect failed';

describe.each(ADAPTERS)('scrape faults on %s', (adapter) => {
  let app: RunningApp;
  let runtime: DistributedRuntime;
  let warnings: string[];
  beforeEach(async () => {
    warnings = [];
    app = await startApp(appModule(warnings), adapter);
    runtime = app.app.get(DistributedRuntime);
  });
  afterEach(() => app.close());

  /** Scrapes /metrics, expecting 200, and returns its text and how long it took. */
  async function scrape(): Promise<{ text: string; ms: number }> {
    const start = performance.now();
    const response = await app.get('/metrics');
    expect(response.status).toBe(200);
    return { text: response.text, ms: performance.now() - start };
  }

  it('serves routes and /metrics while callbacks and a registry metric throw; logs each once', async () => {
    expect((await app.get('/items')).status).toBe(200);
    expect((await app.get('/items')).status).toBe(200);
    let updates = 0;
    runtime.addUpdateCallback(() => {
      updates++;
      throw new Error('update boom');
    });
    runtime.addExpfmtCallback(async () => {
      throw new Error('expfmt boom');
    });

    for (const requests of [2, 3]) {
      const { text } = await scrape();
      expect(sampleValue(text, 'dynamo_component_requests_total', list)).toBe(requests);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', list)).toBe(0);
      expect(sampleValue(text, 'good_value')).toBe(3);
      expect(sampleValue(text, 'dynamo_component_uptime_seconds')).toBeGreaterThan(0);
      expect(text).not.toContain('broken_value');
      expect((await app.get('/items')).status).toBe(200);
    }
    expect(updates).toBe(2);
    // Once each; expfmt callbacks and registries run concurrently, so in no fixed order.
    expect([...warnings].sort()).toEqual(
      [
        'An update callback failed and was skipped: update boom',
        brokenWarning,
        'An expfmt callback failed and was skipped: expfmt boom',
      ].sort(),
    );
  });

  it('answers /metrics in about the timeout while callbacks hang, then without waiting for them', async () => {
    expect((await app.get('/items')).status).toBe(200);
    let calls = 0;
    runtime.addUpdateCallback(() => {
      calls++;
      return new Promise<never>(() => {});
    });
    runtime.addExpfmtCallback(() => {
      calls++;
      return new Promise<never>(() => {});
    });

    const first = await scrape();
    expect(first.ms).toBeGreaterThanOrEqual(95); // 50 ms each, one after the other
    expect(first.ms).toBeLessThan(1500);
    expect(sampleValue(first.text, 'dynamo_component_requests_total', list)).toBe(1);
    expect(sampleValue(first.text, 'good_value')).toBe(3);

    expect((await app.get('/items')).status).toBe(200);
    const second = await scrape();
    expect(second.ms).toBeLessThan(95);
    expect(sampleValue(second.text, 'dynamo_component_requests_total', list)).toBe(2);
    expect(calls).toBe(2);
    expect(warnings).toEqual([
      'An update callback did not settle within 50 ms and was skipped; it is not called again until it settles',
      brokenWarning,
      'An expfmt callback did not settle within 50 ms and was skipped; it is not called again until it settles',
    ]);
  });
});
