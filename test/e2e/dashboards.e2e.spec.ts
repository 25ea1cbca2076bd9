import { FAKE_GPUS, startFakeDcgmExporter } from '../utils/fake-dcgm-exporter';
import {
  interpolation,
  loadDashboards,
  parseLabelValues,
  queryPanels,
  substitute,
  variableQuery,
  type Dashboard,
  type DashboardVariable,
} from '../utils/grafana-dashboards';
import { ADAPTERS, type RunningApp } from '../utils/nest-app';
import { PrometheusProcess } from '../utils/prometheus-process';
import { realTool } from '../utils/real-tools';
import { startSampleWithSystemServer } from '../utils/sample-app';
import { staticScrapeConfig } from '../utils/shipped-scrape-configs';

// Every PromQL expression of every panel of every shipped Grafana dashboard, evaluated by a real
// Prometheus that scrapes the sample app (with deploy/prometheus/prometheus.yml's jobs) and a
// stand-in dcgm-exporter while traffic runs: each must return data with the expected label sets.

const prometheus = realTool('prometheus', 'apt-get install prometheus');

// The mock LLM's pace (read when the app starts), and the system status server on loopback.
process.env.MOCK_LLM_FIRST_TOKEN_MS = '20';
process.env.MOCK_LLM_TOKEN_INTERVAL_MS = '5';

/**
 * `$__rate_interval` as Grafana computes it for a 1 s scrape interval over a short time range:
 * max(4 × scrape interval, $__interval + scrape interval), here rounded up to 5 s.
 */
const RATE_INTERVAL = '5s';

type Labels = Record<string, string>;

/** Which series label each template variable filters on. */
const VARIABLE_LABELS: Record<string, string> = {
  namespace: 'dynamo_namespace',
  component: 'dynamo_component',
  endpoint: 'dynamo_endpoint',
  model: 'model',
  instance: 'instance',
  gpu: 'gpu',
};

interface Context {
  app: string;
  system: string;
  dcgm: string;
}

const endpoint = (name: string): Labels => ({
  dynamo_namespace: 'dynamo',
  dynamo_component: 'backend',
  dynamo_endpoint: name,
});
const ENDPOINTS = [endpoint('generate'), endpoint('stream')];
const MODEL = [{ model: 'demo-llm' }];
const WORK_HANDLER_ERROR_TYPES = [
  'deserialization',
  'generate',
  'invalid_message',
  'publish_final',
  'publish_response',
  'response_stream',
];
const gpus = (ctx: Context, name?: string): Labels[] =>
  FAKE_GPUS.map((gpu) => ({
    ...(name ? { __name__: name } : {}),
    ...gpu,
    instance: ctx.dcgm,
    job: 'dcgm-exporter',
  }));

/**
 * The exact label sets each panel's targets return (by refId), with every variable on "All".
 * A panel added to a dashboard without an entry here fails the test.
 */
const EXPECTED: Record<string, Record<string, (ctx: Context) => Record<string, Labels[]>>> = {
  'dynamo-nestjs.json': {
    'Frontend requests/s': () => ({
      A: ['stream', 'unary'].map((request_type) => ({
        model: 'demo-llm',
        endpoint: 'chat_completions',
        request_type,
        status: 'success',
      })),
    }),
    'Avg time to first token': () => ({ A: MODEL }),
    'Avg inter-token latency': () => ({ A: MODEL }),
    'Avg request duration': () => ({ A: MODEL }),
    'Avg input sequence length': () => ({ A: MODEL }),
    'Avg output sequence length': () => ({ A: MODEL }),
    'Frontend inflight and queued requests': () => ({ A: MODEL, B: MODEL }),
    'Output tokens/s': () => ({ A: MODEL }),
    'GPU utilization': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_GPU_UTIL') }),
    'GPU power usage': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_POWER_USAGE') }),
    'Component requests/s': () => ({ A: ENDPOINTS }),
    'Component request duration p50 / p95 / p99': () => ({
      A: ENDPOINTS,
      B: ENDPOINTS,
      C: ENDPOINTS,
    }),
    'Component avg request duration': () => ({ A: ENDPOINTS }),
    'Component inflight requests': () => ({ A: ENDPOINTS }),
    'Component request / response bytes/s': () => ({ A: ENDPOINTS, B: ENDPOINTS }),
    'Component errors/s by error_type': () => ({
      A: ENDPOINTS.flatMap((labels) =>
        WORK_HANDLER_ERROR_TYPES.map((error_type) => ({ ...labels, error_type })),
      ),
    }),
    'Component error ratio': () => ({ A: ENDPOINTS }),
    Uptime: (ctx) => ({ A: [{ instance: ctx.system, job: 'dynamo-backend' }] }),
  },
  'dynamo-dcgm.json': {
    'GPU utilization': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_GPU_UTIL') }),
    'GPU power usage': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_POWER_USAGE') }),
    'GPU framebuffer memory used': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_FB_USED') }),
    'GPU temperature': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_GPU_TEMP') }),
    'GPU SM clock': (ctx) => ({ A: gpus(ctx) }),
    'GPU memory copy utilization': (ctx) => ({ A: gpus(ctx, 'DCGM_FI_DEV_MEM_COPY_UTIL') }),
  },
};

/** The values each query variable must offer (its label_values() through the HTTP API). */
const VARIABLE_VALUES = (ctx: Context): Record<string, string[]> => ({
  namespace: ['dynamo'],
  component: ['backend'],
  endpoint: ['generate', 'stream'],
  model: ['demo-llm'],
  instance: [ctx.dcgm],
  gpu: ['0', '1'],
});

/** One value per variable, to check that a selection filters every panel. */
const SINGLE_SELECTION: Record<string, string> = {
  namespace: 'dynamo',
  component: 'backend',
  endpoint: 'stream',
  model: 'demo-llm',
  gpu: '1',
};

const dashboards = loadDashboards();

/** deploy/prometheus/prometheus.yml with its targets pointed at this test's processes. */
const prometheusConfig = (ctx: Context): string =>
  staticScrapeConfig({
    'localhost:8000': ctx.app,
    'localhost:8081': ctx.system,
    'localhost:9401': ctx.dcgm,
  });

/** Requests of every kind the dashboards show, in a loop until `stop()`. */
function startTraffic(url: string): { stop(): Promise<void>; sent: () => number } {
  let running = true;
  let sent = 0;
  const json = (path: string, body: string) =>
    fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const chat = (stream: boolean) =>
    json(
      '/v1/chat/completions',
      JSON.stringify({
        model: 'demo-llm',
        messages: [{ role: 'user', content: 'hello dashboards' }],
        max_tokens: 4,
        stream,
      }),
    );
  const rounds = [
    () => json('/v1/completions', '{"prompt":"hello world","max_tokens":4}'),
    () => json('/v1/completions', '{"max_tokens":4}'), // invalid_message
    () => json('/v1/completions', '{"prompt": bad'), // deserialization
    () => fetch(url + '/v1/stream?prompt=hi'),
    () => chat(true),
    () => chat(false),
  ];
  const loop = async () => {
    while (running)
      for (const round of rounds) {
        await (await round()).arrayBuffer();
        sent++;
      }
  };
  const loops = [loop(), loop()];
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
    sent: () => sent,
  };
}

/** Keeps the series whose labels agree with a selection (a label the series lacks is no filter). */
function selected(series: Labels[], selection: Record<string, string>): Labels[] {
  return series.filter((labels) =>
    Object.entries(selection).every(([variable, value]) => {
      const label = VARIABLE_LABELS[variable];
      return labels[label] === undefined || labels[label] === value;
    }),
  );
}

const sortLabels = (rows: Labels[]) =>
  rows.map((labels) => JSON.stringify(Object.entries(labels).sort())).sort();

(prometheus ? describe : describe.skip).each(ADAPTERS)(
  'the shipped Grafana dashboards against a real Prometheus scraping the sample on %s',
  (adapter) => {
    let app: RunningApp;
    let server: PrometheusProcess;
    let dcgm: Awaited<ReturnType<typeof startFakeDcgmExporter>>;
    let traffic: ReturnType<typeof startTraffic>;
    let ctx: Context;

    beforeAll(async () => {
      const sample = await startSampleWithSystemServer(adapter);
      app = sample.app;
      dcgm = await startFakeDcgmExporter();
      ctx = { app: sample.api, system: sample.system, dcgm: dcgm.address };
      traffic = startTraffic(app.url);
      server = await PrometheusProcess.start(prometheus!, prometheusConfig(ctx));
      // Enough scrapes of every target for a rate over RATE_INTERVAL of every series.
      const scraped = async (metric: string, series: number) => {
        const { rows } = await server.query(`count_over_time(${metric}[${RATE_INTERVAL}])`);
        return rows.length === series && rows.every((row) => Number(row.value) >= 5);
      };
      await server.waitFor(
        async () =>
          (await scraped('dynamo_component_requests_total', 2)) &&
          (await scraped('dynamo_frontend_requests_total', 2)) &&
          (await scraped('DCGM_FI_DEV_GPU_UTIL', 2)),
        'a few scrapes of every target',
      );
    }, 60_000);

    afterAll(async () => {
      await traffic?.stop();
      await app?.close();
      await server?.stop();
      dcgm?.close();
    });

    it('scrapes the app port, the system status server and the dcgm-exporter, all up', async () => {
      const targets = await server.targets();
      expect(targets.sort((a, b) => a.job.localeCompare(b.job))).toEqual([
        { job: 'dcgm-exporter', health: 'up', lastError: '' },
        { job: 'dynamo-backend', health: 'up', lastError: '' },
        { job: 'dynamo-frontend', health: 'up', lastError: '' },
      ]);
      expect(traffic.sent()).toBeGreaterThan(0);
    });

    it('has an expectation for every panel of every dashboard, and no other', () => {
      expect([...dashboards.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
      for (const [file, dashboard] of dashboards)
        expect(
          queryPanels(dashboard)
            .map((panel) => panel.title)
            .sort(),
        ).toEqual(Object.keys(EXPECTED[file]).sort());
    });

    it('"Dynamo NestJS" panels read plausible numbers while traffic runs, not just any series', async () => {
      const dashboard = dashboards.get('dynamo-nestjs.json')!;
      const all = Object.fromEntries(
        dashboard.templating.list
          .filter((v) => v.type === 'query')
          .map((v: DashboardVariable) => [v.name, interpolation(v, 'all')]),
      );
      const read = async (title: string, refId = 'A') => {
        const panel = queryPanels(dashboard).find((p) => p.title === title)!;
        const target = panel.targets!.find((t) => t.refId === refId)!;
        const { rows } = await server.query(substitute(target.expr, all, RATE_INTERVAL));
        return rows.map((row) => ({ labels: row.labels, value: Number(row.value) }));
      };
      const endpointOf = (labels: Labels) => labels.dynamo_endpoint;
      for (const title of [
        'Component requests/s',
        'Output tokens/s',
        'Component avg request duration',
      ])
        for (const { labels, value } of await read(title))
          expect({ title, labels, positive: value > 0 }).toEqual({ title, labels, positive: true });
      expect((await read('Frontend requests/s')).some(({ value }) => value > 0)).toBe(true);
      // In milliseconds: Nest's requests take well over 0.1 ms; the mock's first token 20 ms.
      for (const { value } of await read('Component avg request duration'))
        expect(value).toBeGreaterThan(0.1);
      for (const { value } of await read('Avg time to first token')) {
        expect(value).toBeGreaterThan(15);
        expect(value).toBeLessThan(5000);
      }
      const [p50, p95, p99] = await Promise.all(
        ['A', 'B', 'C'].map((ref) => read('Component request duration p50 / p95 / p99', ref)),
      );
      for (const { labels, value } of p50) {
        const at = (rows: typeof p50) =>
          rows.find((row) => endpointOf(row.labels) === endpointOf(labels))!.value;
        expect(value).toBeLessThanOrEqual(at(p95));
        expect(at(p95)).toBeLessThanOrEqual(at(p99));
      }
      // The sample's generate endpoint fails on bad input; its stream endpoint never does.
      const ratios = Object.fromEntries(
        (await read('Component error ratio')).map(({ labels, value }) => [
          endpointOf(labels),
          value,
        ]),
      );
      expect(ratios.generate).toBeGreaterThan(0);
      expect(ratios.generate).toBeLessThan(1);
      expect(ratios.stream).toBe(0);
      for (const { value } of await read('Uptime')) expect(value).toBeGreaterThan(1);
    });

    describe.each([...dashboards])('%s', (file, dashboard: Dashboard) => {
      const variables = dashboard.templating.list.filter((v) => v.type === 'query');

      /** Each query variable's label_values(), resolved in order with earlier ones on `selection`. */
      async function variableValues(
        selection: Record<string, string[] | 'all'>,
      ): Promise<Record<string, string[]>> {
        const values: Record<string, string> = {};
        const offered: Record<string, string[]> = {};
        for (const variable of variables) {
          const { selector, label } = parseLabelValues(variableQuery(variable));
          offered[variable.name] = await server.labelValues(
            label,
            selector && substitute(selector, values, RATE_INTERVAL),
          );
          values[variable.name] = interpolation(variable, selection[variable.name] ?? 'all');
        }
        return offered;
      }

      const interpolations = (selection: Record<string, string[] | 'all'>) =>
        Object.fromEntries(
          variables.map((v: DashboardVariable) => [
            v.name,
            interpolation(v, selection[v.name] ?? 'all'),
          ]),
        );

      it('offers the expected values in every template variable', async () => {
        const offered = await variableValues({});
        const expected = VARIABLE_VALUES(ctx);
        expect(offered).toEqual(
          Object.fromEntries(variables.map((v) => [v.name, expected[v.name]])),
        );
      });

      it.each(queryPanels(dashboard).map((panel) => [panel.title, panel] as const))(
        'panel "%s": every query returns the expected series, with "All" and with one value selected',
        async (title, panel) => {
          const expected = EXPECTED[file][title](ctx);
          expect(panel.targets!.map((t) => t.refId)).toEqual(Object.keys(expected));
          const oneEach = Object.fromEntries(
            variables.map((v) => [
              v.name,
              v.name === 'instance' ? [ctx.dcgm] : [SINGLE_SELECTION[v.name]],
            ]),
          );
          const filter = Object.fromEntries(
            Object.entries(oneEach).map(([name, [value]]) => [name, value]),
          );
          for (const [selection, keep] of [
            [{}, (rows: Labels[]) => rows],
            [oneEach, (rows: Labels[]) => selected(rows, filter)],
          ] as const) {
            for (const target of panel.targets!) {
              const promql = substitute(target.expr, interpolations(selection), RATE_INTERVAL);
              const result = await server.query(promql);
              expect({ promql, status: result.status, error: result.error }).toEqual({
                promql,
                status: 'success',
                error: undefined,
              });
              expect(result.resultType).toBe('vector');
              const want = keep(expected[target.refId]);
              expect(want.length).toBeGreaterThan(0);
              expect({ promql, series: sortLabels(result.rows.map((r) => r.labels)) }).toEqual({
                promql,
                series: sortLabels(want),
              });
              for (const row of result.rows) {
                const value = Number(row.value);
                expect({ promql, labels: row.labels, finite: Number.isFinite(value) }).toEqual({
                  promql,
                  labels: row.labels,
                  finite: true,
                });
                expect(value).toBeGreaterThanOrEqual(0);
              }
            }
          }
        },
      );
    });
  },
);
