import type { Server } from 'node:http';
import { Module } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DynamoMetricsModule } from '../../lib';
import { TracedModule } from '../fixtures/nest/traced.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { exemplarsOf, startTracing, traceRequests, type Tracing } from '../utils/tracing';

const OPENMETRICS = { accept: 'application/openmetrics-text; version=1.0.0' };
const TRACED_FAMILIES = [
  'dynamo_component_lookup_seconds',
  'dynamo_component_request_duration_seconds',
  'dynamo_frontend_request_duration_seconds',
  'dynamo_frontend_time_to_first_token_seconds',
];

function appModule(exemplars?: boolean) {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [], exemplars }),
      TracedModule,
    ],
  })
  class AppModule {}
  return AppModule;
}

describe.each(ADAPTERS)('exemplars of traced requests on %s', (adapter) => {
  let tracing: Tracing;
  let app: RunningApp;
  beforeAll(() => (tracing = startTracing()));
  afterAll(() => tracing.shutdown());
  afterEach(() => app?.close());

  const start = async (exemplars?: boolean) => {
    tracing.exporter.reset();
    app = await startApp(appModule(exemplars), adapter, (nest) =>
      traceRequests(nest.getHttpServer() as Server, tracing.tracer),
    );
  };
  const items = (headers: Record<string, string> = {}) => app.get('/items', headers);
  const chat = (headers: Record<string, string> = {}) =>
    fetch(app.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'llama' }),
    }).then((response) => response.text());
  /** The finished spans of the requests to `path`, in the order they ended. */
  const spansOf = (path: string): ReadableSpan[] =>
    tracing.exporter.getFinishedSpans().filter((span) => span.name.endsWith(' ' + path));

  it("keeps the latest traced request's trace and span ids in each duration bucket, in OpenMetrics only", async () => {
    await start();
    for (let i = 0; i < 3; i++) await items();
    await chat();
    await chat();
    // Neither an untraced nor an unsampled request replaces them.
    await items({ 'x-untraced': '1' });
    await items({ 'x-unsampled': '1' });
    await chat({ 'x-unsampled': '1' });
    const ids = (spans: ReadableSpan[]) =>
      spans.map((span) => `${span.spanContext().traceId}/${span.spanContext().spanId}`);
    const itemSpans = ids(spansOf('/items'));
    const chatSpans = ids(spansOf('/v1/chat/completions'));
    expect(itemSpans).toHaveLength(3);
    expect(chatSpans).toHaveLength(2);

    const scrape = await app.get('/metrics', OPENMETRICS);
    expect(scrape.type).toContain('application/openmetrics-text');
    const found = exemplarsOf(scrape.text);
    const byFamily = (metric: string) =>
      found.filter((e) => e.metric === metric).map((e) => `${e.trace_id}/${e.span_id}`);
    for (const metric of TRACED_FAMILIES) {
      const spans = metric.startsWith('dynamo_frontend_') ? chatSpans : itemSpans;
      const exemplars = byFamily(metric);
      // Each bucket keeps its latest: the ids of traced requests only, the last one's among them.
      expect(exemplars.length).toBeGreaterThan(0);
      for (const exemplar of exemplars) expect(spans).toContain(exemplar);
      expect(exemplars).toContain(spans[spans.length - 1]);
    }
    expect([...new Set(found.map((e) => e.metric))].sort()).toEqual(TRACED_FAMILIES);

    const text = (await app.get('/metrics')).text;
    expect(text).not.toContain('trace_id');
    expect(text).not.toContain(' # {');
  });

  it('records none with `exemplars: false`, and counts the requests all the same', async () => {
    await start(false);
    await items();
    await chat();
    expect(spansOf('/items')).toHaveLength(1);
    const scrape = await app.get('/metrics', OPENMETRICS);
    expect(exemplarsOf(scrape.text)).toEqual([]);
    expect(scrape.text).toMatch(/^dynamo_component_request_duration_seconds_count\{.*\} 1$/m);
    expect(scrape.text).toMatch(/^dynamo_frontend_request_duration_seconds_count\{.*\} 1$/m);
  });
});
