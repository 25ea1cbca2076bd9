import type { Server } from 'node:http';
import { Module } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DynamoMetricsModule } from '../../lib';
import { TracedModule } from '../fixtures/nest/traced.module';
import { ADAPTERS, startApp, type AdapterKind, type RunningApp } from '../utils/nest-app';
import { PrometheusProcess } from '../utils/prometheus-process';
import { realTool } from '../utils/real-tools';
import { exemplarsOf, startTracing, traceRequests, type Tracing } from '../utils/tracing';

const prometheus = realTool('prometheus', 'apt-get install prometheus');

const FAMILIES = [
  'dynamo_component_lookup_seconds',
  'dynamo_component_request_duration_seconds',
  'dynamo_frontend_request_duration_seconds',
  'dynamo_frontend_time_to_first_token_seconds',
];

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] }), TracedModule],
})
class AppModule {}

const traceIds = (spans: ReadableSpan[]) => spans.map((span) => span.spanContext().traceId);

// One Prometheus with exemplar storage scrapes an app on each adapter, in OpenMetrics (its
// default): what it stores and answers are the ids of the spans the test's requests produced.
(prometheus ? describe : describe.skip)('a real Prometheus stores the exemplars', () => {
  let tracing: Tracing;
  const apps = new Map<AdapterKind, RunningApp>();
  /** The traced requests' trace ids, by adapter. */
  const traced = new Map<AdapterKind, { items: string[]; chat: string[] }>();
  let server: PrometheusProcess;
  const startedAt = Date.now() / 1000;

  beforeAll(async () => {
    tracing = startTracing();
    for (const adapter of ADAPTERS) {
      const app = await startApp(AppModule, adapter, (nest) =>
        traceRequests(nest.getHttpServer() as Server, tracing.tracer),
      );
      apps.set(adapter, app);
      tracing.exporter.reset();
      for (let i = 0; i < 3; i++) await app.get('/items');
      for (let i = 0; i < 2; i++) {
        await fetch(app.url + '/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'llama' }),
        }).then((response) => response.text());
      }
      await app.get('/items', { 'x-untraced': '1' });
      const spans = tracing.exporter.getFinishedSpans();
      traced.set(adapter, {
        items: traceIds(spans.filter((span) => span.name === 'GET /items')),
        chat: traceIds(spans.filter((span) => span.name === 'POST /v1/chat/completions')),
      });
    }
    const jobs = ADAPTERS.map(
      (adapter) =>
        `  - job_name: ${adapter}\n    static_configs:\n      - targets: ['${new URL(apps.get(adapter)!.url).host}']`,
    ).join('\n');
    server = await PrometheusProcess.start(
      prometheus!,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n${jobs}\n`,
      ['--enable-feature=exemplar-storage'],
    );
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    for (const app of apps.values()) await app.close();
    await tracing?.shutdown();
  });

  it.each(ADAPTERS)(
    'answers /api/v1/query_exemplars with exactly the trace ids of the OpenMetrics scrape of %s: traced requests only, the last among them',
    async (adapter) => {
      const app = apps.get(adapter)!;
      const { items, chat } = traced.get(adapter)!;
      expect(items).toHaveLength(3);
      expect(chat).toHaveLength(2);
      const scraped = exemplarsOf(
        (await app.get('/metrics', { accept: 'application/openmetrics-text' })).text,
      );
      for (const family of FAMILIES) {
        const spans = family.startsWith('dynamo_frontend_') ? chat : items;
        const inScrape = scraped.filter((e) => e.metric === family).map((e) => e.trace_id);
        expect(inScrape.length).toBeGreaterThan(0);
        for (const id of inScrape) expect(spans).toContain(id);
        expect(inScrape).toContain(spans[spans.length - 1]);

        const selector = `${family}_bucket{job="${adapter}"}`;
        let stored: string[] = [];
        await server.waitFor(async () => {
          const found = await server.queryExemplars(selector, startedAt, Date.now() / 1000 + 60);
          stored = [...new Set(found.map((e) => e.labels.trace_id))].sort();
          return stored.length >= new Set(inScrape).size;
        }, `the exemplars of ${selector}`);
        expect(stored).toEqual([...new Set(inScrape)].sort());
      }
    },
    60_000,
  );
});
