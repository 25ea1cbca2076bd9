import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { GenerateModule, STREAM_CHUNK, STREAM_CHUNKS } from '../fixtures/nest/generate.module';
import { abortedGet, ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      includeRegistries: [],
      // Every part of the context must be right for 'overload' (else the default, generate).
      errorType: (error, { namespace, component, endpoint, request, response }) =>
        error instanceof Error &&
        error.message.startsWith('quota') &&
        [namespace, component, endpoint].join('/') === 'dynamo/backend/quota' &&
        request.method === 'GET' &&
        request.url === '/quota' &&
        response.statusCode === 500
          ? 'overload'
          : undefined,
    }),
    GenerateModule,
  ],
})
class AppModule {}

const endpoint = (name: string) => ({
  dynamo_namespace: 'dynamo',
  dynamo_component: 'backend',
  dynamo_endpoint: name,
});

describe.each(ADAPTERS)('@DynamoEndpoint on %s', (adapter) => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(AppModule, adapter);
  });
  afterEach(() => app.close());

  const scrape = async () => (await app.get('/metrics')).text;
  const value = async (metric: string, name: string, extra: Record<string, string> = {}) =>
    sampleValue(await scrape(), `dynamo_component_${metric}`, { ...endpoint(name), ...extra });
  const post = (path: string, body: string, type = 'application/json') =>
    fetch(app.url + path, { method: 'POST', body, headers: { 'content-type': type } });

  it('counts requests, bytes in and out, duration and inflight exactly under concurrency', async () => {
    const body = JSON.stringify({ prompt: 'héllo wörld' });
    const responses = await Promise.all(Array.from({ length: 40 }, () => post('/generate', body)));
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(texts)).toEqual(new Set(['{"text":"HÉLLO WÖRLD"}']));
    const text = await scrape();
    const labels = endpoint('generate');
    expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(40);
    expect(sampleValue(text, 'dynamo_component_request_bytes_total', labels)).toBe(
      40 * Buffer.byteLength(body),
    );
    expect(sampleValue(text, 'dynamo_component_response_bytes_total', labels)).toBe(
      40 * Buffer.byteLength('{"text":"HÉLLO WÖRLD"}'),
    );
    expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', labels)).toBe(40);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', { ...labels, error_type: 'generate' }),
    ).toBe(0);
    expect(sampleValue(text, 'dynamo_component_cancellation_total', labels)).toBe(0);
  });

  it('shows requests in flight while they run, with the endpoint const labels', async () => {
    const slow = Array.from({ length: 5 }, () => app.get('/slow?ms=300'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await value('inflight_requests', 'slow', { model: 'llama' })).toBe(5);
    expect(await value('requests_total', 'slow', { model: 'llama' })).toBe(5);
    expect((await Promise.all(slow)).map((r) => r.text)).toEqual(Array(5).fill('done'));
    expect(await value('inflight_requests', 'slow', { model: 'llama' })).toBe(0);
    const text = await scrape();
    const labels = { ...endpoint('slow'), model: 'llama' };
    expect(
      sampleValue(text, 'dynamo_component_request_duration_seconds_bucket', {
        ...labels,
        le: '0.25',
      }),
    ).toBe(0);
    expect(
      sampleValue(text, 'dynamo_component_request_duration_seconds_bucket', {
        ...labels,
        le: '0.5',
      }),
    ).toBe(5);
  });

  it.each([
    ['/fail', 500, 'fail', 'generate'],
    ['/missing', 404, 'missing', 'generate'],
    ['/fail-observable', 500, 'fail_observable', 'generate'],
    ['/fail-after', 500, 'fail_after', 'generate'],
    ['/guarded', 403, 'guarded', 'invalid_message'],
    ['/slow?ms=abc', 400, 'slow', 'invalid_message'],
  ])(
    'GET %s answers %i as the app decides and counts the error as %s',
    async (path, status, name, type) => {
      const first = await app.get(path);
      await app.get(path);
      expect(first.status).toBe(status);
      const text = await scrape();
      const labels = { ...endpoint(name), ...(name === 'slow' ? { model: 'llama' } : {}) };
      expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(2);
      expect(
        sampleValue(text, 'dynamo_component_errors_total', { ...labels, error_type: type }),
      ).toBe(2);
      const others = ['generate', 'invalid_message', 'deserialization', 'response_stream'].filter(
        (t) => t !== type,
      );
      for (const other of others) {
        expect(
          sampleValue(text, 'dynamo_component_errors_total', { ...labels, error_type: other }),
        ).toBe(0);
      }
      expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
    },
  );

  it.each([
    ['/teapot', 418, 'teapot', 'teapot'],
    ['/quota', 500, 'quota', 'overload'],
  ])(
    "GET %s maps the handler's exception with errorType (%i → %s)",
    async (path, status, name, type) => {
      expect((await app.get(path)).status).toBe(status);
      const text = await scrape();
      expect(
        sampleValue(text, 'dynamo_component_errors_total', { ...endpoint(name), error_type: type }),
      ).toBe(1);
      expect(
        sampleValue(text, 'dynamo_component_errors_total', {
          ...endpoint(name),
          error_type: 'generate',
        }),
      ).toBe(0);
    },
  );

  it('counts a stream that fails while it is sent as response_stream, not as a cancellation', async () => {
    const response = await fetch(app.url + '/stream-fail').then(
      (r) => r.arrayBuffer().catch(() => null),
      () => null,
    );
    void response;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await scrape();
    const labels = endpoint('stream_fail');
    expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', {
        ...labels,
        error_type: 'response_stream',
      }),
    ).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', { ...labels, error_type: 'generate' }),
    ).toBe(0);
    expect(sampleValue(text, 'dynamo_component_cancellation_total', labels)).toBe(0);
    expect(sampleValue(text, 'dynamo_component_response_bytes_total', labels)).toBe(
      STREAM_CHUNK.length,
    );
    expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
  });

  it('counts a body that cannot be parsed as deserialization', async () => {
    const response = await post('/generate', '{"prompt": "unterminated');
    expect(response.status).toBe(400);
    const text = await scrape();
    const labels = endpoint('generate');
    expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', {
        ...labels,
        error_type: 'deserialization',
      }),
    ).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', { ...labels, error_type: 'generate' }),
    ).toBe(0);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
  });

  it('counts every byte of a streamed response', async () => {
    const response = await fetch(app.url + '/stream');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(STREAM_CHUNK.length * STREAM_CHUNKS);
    expect(await value('response_bytes_total', 'stream')).toBe(STREAM_CHUNK.length * STREAM_CHUNKS);
  });

  it('counts a client that disconnects before the response as a cancellation', async () => {
    await abortedGet(app, '/slow?ms=300', 100);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const text = await scrape();
    const labels = { ...endpoint('slow'), model: 'llama' };
    expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_cancellation_total', labels)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
    expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', labels)).toBe(1);
  });

  it('leaves routes without @DynamoEndpoint and the scrape route unmeasured', async () => {
    expect((await app.get('/plain')).text).toBe('not measured');
    await scrape();
    const text = await scrape();
    expect(text).not.toContain('dynamo_endpoint="plain"');
    expect(text).not.toContain('dynamo_endpoint="metrics"');
  });
});
