import { Module } from '@nestjs/common';
import { DynamoMetricsModule, SystemStatusServer } from '../../lib';
import { RpcController, RpcModule } from '../fixtures/nest/rpc.module';
import { NatsServer } from '../utils/nats-server';
import { startMicroservice, until, type RunningMicroservice } from '../utils/microservice';
import { realTool } from '../utils/real-tools';
import { sampleValue, WORK_HANDLER_OK, workHandlerCounts } from '../utils/scrape';

const natsBinary = realTool('nats-server', 'apt-get install nats-server');

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] }), RpcModule],
})
class AppModule {}

const worker = { dynamo_namespace: 'dynamo', dynamo_component: 'worker' };
const at = (endpoint: string, labels: Record<string, string> = {}) => ({
  ...worker,
  dynamo_endpoint: endpoint,
  ...labels,
});
/** Every work-handler counter of one endpoint, as numbers. */
const endpointCounts = (text: string, endpoint: string, labels: Record<string, string> = {}) =>
  workHandlerCounts(text, at(endpoint, labels));
const ok = WORK_HANDLER_OK;

const transports: ['tcp' | 'nats', boolean][] = [
  ['tcp', true],
  ['nats', natsBinary !== undefined],
];

describe.each(transports)('@DynamoEndpoint on microservice handlers over %s', (transport, run) => {
  let nats: NatsServer | undefined;
  let service: RunningMicroservice;

  beforeAll(async () => {
    if (run && transport === 'nats') nats = await NatsServer.start(natsBinary!);
  });
  afterAll(() => nats?.stop());
  beforeEach(async () => {
    if (run) service = await startMicroservice(AppModule, transport, nats?.url);
  });
  afterEach(() => (run ? service.close() : undefined));
  const test = run ? it : it.skip;

  test('counts requests, payload and reply bytes of replies, Observables and events exactly', async () => {
    // Registered at start-up: every endpoint is in the scrape before its first request.
    expect(endpointCounts(await service.scrape(), 'sum')).toEqual({
      ...ok,
      requests: 0,
      durations: 0,
      requestBytes: 0,
      responseBytes: 0,
    });

    expect(await service.request('sum', [1, 2, 3])).toEqual([6]);
    expect(await service.request('sum', [10, 20])).toEqual([30]);
    expect(await service.request('tokens', { count: 3 })).toEqual([
      { token: 't0' },
      { token: 't1' },
      { token: 't2' },
    ]);
    expect(await service.request('length', { text: 'héllo' })).toEqual([5]);
    service.client.emit('audit', { user: 'a' });
    service.client.emit('audit', { user: 'bb' });
    const controller = service.app.get(RpcController);
    await until(() => controller.audited.length === 2, 'two audit events');
    expect(await service.request('echo', 'not measured')).toEqual(['not measured']);

    const text = await service.scrape();
    // "[1,2,3]" + "[10,20]" in, "6" + "30" out.
    expect(endpointCounts(text, 'sum')).toEqual({
      ...ok,
      requests: 2,
      durations: 2,
      requestBytes: 14,
      responseBytes: 3,
    });
    // '{"count":3}' in, three '{"token":"tN"}' out; the decorator's constLabels on every series.
    expect(endpointCounts(text, 'generate', { model: 'llama' })).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 11,
      responseBytes: 42,
    });
    // The whole payload '{"text":"héllo"}' (é is 2 bytes), though the handler takes one field.
    expect(endpointCounts(text, 'length')).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 17,
      responseBytes: 1,
    });
    // Events send nothing back.
    expect(endpointCounts(text, 'audit')).toEqual({
      ...ok,
      requests: 2,
      durations: 2,
      requestBytes: 25,
      responseBytes: 0,
    });
    expect(text).not.toContain('dynamo_endpoint="echo"');
  });

  test('counts handler failures as generate and a reply stream that fails as response_stream', async () => {
    await expect(service.request('throws', {})).rejects.toMatchObject({
      status: 'error',
      message: 'bad request',
    });
    await expect(service.request('rejects', {})).rejects.toMatchObject({ status: 'error' });
    await expect(service.request('rejects', {})).rejects.toMatchObject({ status: 'error' });
    const chunks: unknown[] = [];
    await expect(
      new Promise((resolve, reject) =>
        service.client.send('breaks', []).subscribe({
          next: (chunk) => chunks.push(chunk),
          error: reject,
          complete: () => resolve('completed'),
        }),
      ),
    ).rejects.toMatchObject({ status: 'error' });
    expect(chunks).toEqual(['chunk0', 'chunk1']);

    const text = await service.scrape();
    expect(endpointCounts(text, 'throws')).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 2,
      responseBytes: 0,
      generate: 1,
    });
    expect(endpointCounts(text, 'rejects')).toEqual({
      ...ok,
      requests: 2,
      durations: 2,
      requestBytes: 4,
      responseBytes: 0,
      generate: 2,
    });
    // '[]' in; '"chunk0"' and '"chunk1"' out before the failure.
    expect(endpointCounts(text, 'breaks')).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 2,
      responseBytes: 16,
      responseStream: 1,
    });
  });

  test('keeps a request inflight until its reply is sent, and times it with @Timed too', async () => {
    const reply = service.request('slow', { ms: 300 });
    await until(
      async () =>
        sampleValue(await service.scrape(), 'dynamo_component_inflight_requests', at('slow')) === 1,
      'the slow request to be inflight',
    );
    expect(await reply).toEqual(['done']);
    const text = await service.scrape();
    expect(endpointCounts(text, 'slow')).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 10,
      responseBytes: 6,
    });
    expect(
      sampleValue(text, 'dynamo_component_request_duration_seconds_bucket', {
        ...at('slow'),
        le: '0.25',
      }),
    ).toBe(0);
    expect(sampleValue(text, 'dynamo_component_slow_seconds_count', worker)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_slow_seconds_bucket', { ...worker, le: '1' })).toBe(
      1,
    );
    expect(
      sampleValue(text, 'dynamo_component_slow_seconds_bucket', { ...worker, le: '0.01' }),
    ).toBe(0);
  });

  test('a direct call of the handler is not a request, and gets its arguments unchanged', async () => {
    const controller = service.app.get(RpcController);
    expect(controller.sum([4, 5])).toBe(9);
    expect(controller.length('abc', { getArgs: () => [1] })).toBe(3);
    const text = await service.scrape();
    expect(sampleValue(text, 'dynamo_component_requests_total', at('sum'))).toBe(0);
    expect(sampleValue(text, 'dynamo_component_requests_total', at('length'))).toBe(0);
  });
});

describe('microservice handlers registered after the lifecycle hooks (init() before listen())', () => {
  let service: RunningMicroservice;
  beforeEach(async () => {
    service = await startMicroservice(AppModule, 'tcp', undefined, true);
  });
  afterEach(() => service.close());

  it('measures and times each call once', async () => {
    expect(await service.request('slow', { ms: 1 })).toEqual(['done']);
    expect(await service.request('sum', [1])).toEqual([1]);
    const text = await service.scrape();
    expect(sampleValue(text, 'dynamo_component_slow_seconds_count', worker)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_requests_total', at('slow'))).toBe(1);
    expect(sampleValue(text, 'dynamo_component_requests_total', at('sum'))).toBe(1);
    expect(sampleValue(text, 'dynamo_component_request_bytes_total', at('sum'))).toBe(3);
  });
});

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      includeRegistries: [],
      system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 },
    }),
    RpcModule,
  ],
})
class WorkerModule {}

describe('a microservice with the system status server, as a Dynamo worker', () => {
  let service: RunningMicroservice;
  beforeEach(async () => {
    service = await startMicroservice(WorkerModule, 'tcp');
  });
  afterEach(() => service.close());

  it('reports its handlers as endpoints in /health and serves their metrics on /metrics', async () => {
    const { url } = service.app.get(SystemStatusServer);
    const health = (await (await fetch(`${url}/health`)).json()) as {
      status: string;
      endpoints: Record<string, string>;
    };
    expect(health.status).toBe('ready');
    expect(Object.keys(health.endpoints)).toEqual([
      'audit',
      'breaks',
      'generate',
      'length',
      'rejects',
      'slow',
      'sum',
      'throws',
    ]);
    expect(await service.request('sum', [2, 2])).toEqual([4]);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(endpointCounts(text, 'sum')).toEqual({
      ...ok,
      requests: 1,
      durations: 1,
      requestBytes: 5,
      responseBytes: 1,
    });
  });
});
