import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DistributedRuntime,
  DynamoMetricsModule,
  InjectComponent,
  PushgatewayPusher,
  type Component,
  type Counter,
  type PushgatewayOptions,
} from '../../lib';
import { until } from '../utils/microservice';
import { Pushgateway } from '../utils/pushgateway';
import { realTool } from '../utils/real-tools';
import { sampleValue } from '../utils/scrape';

const binary = realTool('prometheus-pushgateway', 'apt-get install prometheus-pushgateway');

/** A batch job's work: items processed. */
@Injectable()
class BatchService {
  readonly processed: Counter;
  constructor(@InjectComponent('batch') component: Component) {
    this.processed = component.createIntCounter('items_processed_total', 'Items processed');
  }
}

function batchApp(push: PushgatewayOptions): Promise<INestApplicationContext> {
  @Module({
    imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [], push })],
    providers: [BatchService],
  })
  class BatchModule {}
  // A testing module is an application context: the app of a batch job, without HTTP.
  return Test.createTestingModule({ imports: [BatchModule] })
    .compile()
    .then((testing) => testing.init());
}

const items = { dynamo_namespace: 'dynamo', dynamo_component: 'batch' };

(binary ? describe : describe.skip)('pushing to a real Pushgateway', () => {
  let gateway: Pushgateway;
  beforeAll(async () => {
    gateway = await Pushgateway.start(binary!);
  });
  afterAll(() => gateway.stop());

  it('pushes periodically while the app runs, and the final counts at shutdown', async () => {
    const app = await batchApp({
      url: gateway.url,
      job: 'nightly',
      groupingKey: { instance: 'batch-1' },
      intervalMs: 100,
    });
    const { processed } = app.get(BatchService);
    processed.incBy(5);
    const group = { ...items, job: 'nightly', instance: 'batch-1' };
    const pushed = async () => {
      const text = await gateway.metrics();
      return text.includes('dynamo_component_items_processed_total{')
        ? sampleValue(text, 'dynamo_component_items_processed_total', group)
        : undefined;
    };
    await until(async () => (await pushed()) === 5, 'a periodic push of 5');
    processed.incBy(2);
    await until(async () => (await pushed()) === 7, 'a periodic push of 7');
    // Counted after the last periodic push could run, then the app shuts down.
    processed.incBy(3);
    await app.close();
    expect(await pushed()).toBe(10);
    // No push after shutdown: the value stays.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await pushed()).toBe(10);
    expect(await gateway.metrics()).toMatch(
      /^push_time_seconds\{instance="batch-1",job="nightly"\} \d/m,
    );
  });

  it('pushes only at shutdown without an interval, to a group whose label values have slashes', async () => {
    const app = await batchApp({
      url: gateway.url,
      job: 'import/users',
      groupingKey: { instance: 'host-2', shard: '' },
    });
    app.get(BatchService).processed.incBy(4);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await gateway.metrics()).not.toContain('job="import/users"');
    await app.close();
    const text = await gateway.metrics();
    expect(
      sampleValue(text, 'dynamo_component_items_processed_total', {
        ...items,
        job: 'import/users',
        instance: 'host-2',
      }),
    ).toBe(4);
  });

  it('replaces the group on each push, deletes it at shutdown when asked, and reports failures', async () => {
    const drt = new DistributedRuntime({ uptime: false, logger: { warn: () => {} } });
    const counter = drt.namespace('dynamo').createIntCounter('runs_total', 'Runs');
    const warnings: string[] = [];
    const pusher = new PushgatewayPusher(
      drt,
      { url: gateway.url, job: 'manual', deleteOnShutdown: true },
      { warn: (message) => warnings.push(message) },
    );
    expect(pusher.groupUrl).toBe(`${gateway.url}/metrics/job/manual`);
    counter.inc();
    await pusher.push();
    expect(
      sampleValue(await gateway.metrics(), 'dynamo_component_runs_total', {
        dynamo_namespace: 'dynamo',
        job: 'manual',
      }),
    ).toBe(1);
    // PUT: a push replaces the whole group, so what the next push lacks is gone.
    const other = new DistributedRuntime({ uptime: false, logger: { warn: () => {} } });
    other.namespace('dynamo').createIntCounter('retries_total', 'Retries').incBy(2);
    await new PushgatewayPusher(other, { url: gateway.url, job: 'manual' }).push();
    const replaced = await gateway.metrics();
    expect(replaced).not.toContain('dynamo_component_runs_total{');
    expect(
      sampleValue(replaced, 'dynamo_component_retries_total', {
        dynamo_namespace: 'dynamo',
        job: 'manual',
      }),
    ).toBe(2);
    await pusher.stop();
    expect(await gateway.metrics()).not.toContain('job="manual"');
    expect(warnings).toEqual([]);

    const down = new PushgatewayPusher(
      drt,
      { url: 'http://127.0.0.1:9', job: 'manual', timeoutMs: 1000 },
      { warn: (message) => warnings.push(message) },
    );
    await expect(down.push()).rejects.toThrow();
    await down.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Pushing the metrics to http:\/\/127\.0\.0\.1:9\/metrics\/job\/manual failed \(retried at the next push\): /,
    );
  });
  it.each(['..', '.'])(
    'pushes to its own group when a grouping value is %j (a URL dot segment)',
    async (instance) => {
      const runtime = new DistributedRuntime({ uptime: false, logger: { warn: () => {} } });
      runtime.namespace('dynamo').createIntCounter('runs_total', 'Runs').inc();
      const pusher = new PushgatewayPusher(runtime, {
        url: gateway.url,
        job: 'dots',
        groupingKey: { instance },
      });
      await pusher.push();
      expect(pusher.groupUrl).toBe(
        `${gateway.url}/metrics/job/dots/instance@base64/${Buffer.from(instance).toString('base64url')}`,
      );
      expect(
        sampleValue(await gateway.metrics(), 'dynamo_component_runs_total', {
          job: 'dots',
          instance,
        }),
      ).toBe(1);
    },
  );

  it('tells the failure of the final push at shutdown, also after periodic pushes failed', async () => {
    const warnings: string[] = [];
    const runtime = new DistributedRuntime({ uptime: false, logger: { warn: () => {} } });
    const pusher = new PushgatewayPusher(
      runtime,
      { url: 'http://127.0.0.1:9', job: 'j', intervalMs: 20, timeoutMs: 500 },
      { warn: (message) => warnings.push(message) },
    );
    pusher.start();
    await until(() => warnings.length === 1, 'the first periodic failure');
    await pusher.stop();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe(warnings[0]);
  });
});
