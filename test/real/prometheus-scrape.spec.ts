import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  type ExpositionFormat,
} from '../../lib/core';
import { fullRuntime } from '../fixtures/full-runtime';
import { PrometheusServer } from '../utils/prometheus-server';
import { realTool } from '../utils/real-tools';

const prometheus = realTool('prometheus', 'apt-get install prometheus');

/** Serves one runtime's scrape in a fixed format and records what Prometheus asked for. */
async function serve(format: ExpositionFormat) {
  const drt = fullRuntime();
  const accepts: string[] = [];
  const server: Server = createServer(async (req, res) => {
    accepts.push(String(req.headers.accept));
    const body = await drt.prometheusExpfmt(format);
    res.writeHead(200, {
      'content-type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, accepts, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

(prometheus ? describe : describe.skip)('a real Prometheus server scrapes both formats', () => {
  let text: Awaited<ReturnType<typeof serve>>;
  let openMetrics: Awaited<ReturnType<typeof serve>>;
  let server: PrometheusServer;

  beforeAll(async () => {
    text = await serve('prometheus');
    openMetrics = await serve('openmetrics');
    server = await PrometheusServer.start(prometheus!, [
      { job: 'text', address: text.address },
      { job: 'openmetrics', address: openMetrics.address },
    ]);
    await server.waitFor(async () => {
      const targets = await server.targets();
      return targets.length === 2 && targets.every((t) => t.health !== 'unknown');
    }, 'both targets to be scraped');
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    text?.server.close();
    openMetrics?.server.close();
  });

  it('scrapes both targets without error, and asked for OpenMetrics', async () => {
    const targets = (await server.targets()).map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
    }));
    expect(targets.sort((a, b) => a.job.localeCompare(b.job))).toEqual([
      { job: 'openmetrics', health: 'up', lastError: '' },
      { job: 'text', health: 'up', lastError: '' },
    ]);
    expect(openMetrics.accepts[0]).toContain('application/openmetrics-text');
  });

  it.each(['text', 'openmetrics'])(
    'stores the exact values and labels from the %s target',
    async (job) => {
      await server.waitFor(
        async () =>
          (await server.query(`dynamo_component_requests_total{job="${job}"}`)).length > 0,
        'samples',
      );
      expect(await server.query(`dynamo_component_requests_total{job="${job}"}`)).toEqual([
        {
          labels: {
            __name__: 'dynamo_component_requests_total',
            dynamo_component: 'backend',
            dynamo_endpoint: 'generate',
            dynamo_namespace: 'dynamo',
            instance: job === 'text' ? text.address : openMetrics.address,
            job,
            worker_id: '1f2e',
          },
          value: '7',
        },
      ]);
      const [events] = await server.query(`dynamo_component_events_total{job="${job}"}`);
      expect(events.labels.source).toBe('kv "router"\\a\nb');
      expect(events.value).toBe('2.5');
      const [queue] = await server.query(`dynamo_component_queue_depth{job="${job}"}`);
      expect([queue.labels.queue, queue.labels.dynamo_namespace, queue.value]).toEqual([
        'ünïcødé ✓',
        'dynamo_tenant_a',
        '-7.25',
      ]);
      const buckets = await server.query(
        `dynamo_component_request_duration_seconds_bucket{job="${job}",le=~"0.005|60|\\\\+Inf"}`,
      );
      expect(buckets.map((b) => [b.labels.le, b.value]).sort()).toEqual([
        ['+Inf', '6'],
        ['0.005', '2'],
        ['60', '5'],
      ]);
      const [legacy] = await server.query(`legacy_requests_total{job="${job}"}`);
      expect([legacy.labels.route, legacy.labels.app, legacy.value]).toEqual([
        '/a"b',
        'sample',
        '4',
      ]);
    },
  );
});
